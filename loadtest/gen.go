package loadtest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/fixture/synth"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// Sink receives log lines as a Lambda function's stdout reaches CloudWatch
// Logs (local.AWS.PutLogLines is one).
type Sink interface {
	PutLogLines(ctx context.Context, logGroup, logStream string, at time.Time, lines []string) error
}

// Config shapes the generated load. Zero values give the defaults noted.
type Config struct {
	// RunID prefixes every item's test.id (default: the start time).
	RunID string
	// Rate is items (spans, data points, log records) per second. Default 1000.
	Rate float64
	// Duration of the run. Default 10s.
	Duration time.Duration
	// ItemsPerExport per envelope line. Default 20.
	ItemsPerExport int
	// Attrs per item besides its tag. Default 6.
	Attrs int
	// Services, each its own log group /aws/lambda/<prefix>-<n>. Default 3.
	Services int
	// ServicePrefix names the services. Default "loadtest".
	ServicePrefix string
	// Signals to generate, in turn. Default traces only.
	Signals []otlp.Signal
	// NoiseLines are ordinary log lines written per envelope. Default 1.
	NoiseLines int
	// DamagedEvery makes every Nth envelope line damaged (undecodable);
	// 0 means none.
	DamagedEvery int
	// Tick is how often lines are shipped (one PutLogEvents per service per
	// tick, as the Lambda service batches stdout). Default 200ms.
	Tick time.Duration
}

func (c *Config) defaults() {
	if c.RunID == "" {
		c.RunID = time.Now().UTC().Format("150405")
	}
	if c.Rate <= 0 {
		c.Rate = 1000
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.ItemsPerExport <= 0 {
		c.ItemsPerExport = 20
	}
	if c.Attrs < 0 {
		c.Attrs = 0
	} else if c.Attrs == 0 {
		c.Attrs = 6
	}
	if c.Services <= 0 {
		c.Services = 3
	}
	if c.ServicePrefix == "" {
		c.ServicePrefix = "loadtest"
	}
	if len(c.Signals) == 0 {
		c.Signals = []otlp.Signal{otlp.Traces}
	}
	if c.NoiseLines < 0 {
		c.NoiseLines = 0
	} else if c.NoiseLines == 0 {
		c.NoiseLines = 1
	}
	if c.Tick <= 0 {
		c.Tick = 200 * time.Millisecond
	}
}

// Generator writes tagged telemetry into a Sink and records it in a Ledger.
type Generator struct {
	cfg    Config
	ledger *Ledger
	seq    int
	lines  int
	// logBytes and logEvents are what CloudWatch Logs ingested (message
	// bytes plus 26 per event); read them after Run.
	logBytes, logEvents int64
}

// LogUsage returns the bytes (messages plus 26 per event, as CloudWatch
// Logs sizes them) and events written so far. Call it after Run returns.
func (g *Generator) LogUsage() (bytes, events int64) { return g.logBytes, g.logEvents }

// NewGenerator returns a generator recording into ledger.
func NewGenerator(cfg Config, ledger *Ledger) *Generator {
	cfg.defaults()
	return &Generator{cfg: cfg, ledger: ledger}
}

// LogGroups are the log groups the generator writes to (subscribe them).
func (g *Generator) LogGroups() []string {
	out := make([]string, g.cfg.Services)
	for i := range out {
		out[i] = "/aws/lambda/" + g.service(i)
	}
	return out
}

func (g *Generator) service(i int) string { return fmt.Sprintf("%s-%d", g.cfg.ServicePrefix, i) }

// Run generates at the configured rate until Duration passes or ctx ends.
func (g *Generator) Run(ctx context.Context, sink Sink) error {
	start := time.Now()
	tick := time.NewTicker(g.cfg.Tick)
	defer tick.Stop()
	owed := 0.0
	last := start
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			if now.Sub(start) > g.cfg.Duration {
				return nil
			}
			owed += g.cfg.Rate * now.Sub(last).Seconds()
			last = now
			exports := int(owed) / g.cfg.ItemsPerExport
			if exports == 0 {
				continue
			}
			owed -= float64(exports * g.cfg.ItemsPerExport)
			if err := g.emit(ctx, sink, now, exports); err != nil {
				return err
			}
		}
	}
}

// emit writes n envelope lines spread over the services.
func (g *Generator) emit(ctx context.Context, sink Sink, now time.Time, n int) error {
	per := make([][]string, g.cfg.Services)
	for i := 0; i < n; i++ {
		s := g.seq % g.cfg.Services
		sig := g.cfg.Signals[g.seq%len(g.cfg.Signals)]
		svc := g.service(s)
		tag := fmt.Sprintf("%s-%d", g.cfg.RunID, g.seq)
		g.seq++
		line := synth.SignalLine(sig, svc, synth.Request(sig, svc, tag, g.cfg.ItemsPerExport, g.cfg.Attrs))
		if g.cfg.DamagedEvery > 0 && g.seq%g.cfg.DamagedEvery == 0 {
			line = strings.Replace(line, `"payload":"H4sI`, `"payload":"!!!!`, 1)
			g.ledger.Damaged(1)
		} else {
			for k := 0; k < g.cfg.ItemsPerExport; k++ {
				g.ledger.Written(fmt.Sprintf("%s-%d", tag, k), now)
			}
		}
		per[s] = append(per[s], line)
		for k := 0; k < g.cfg.NoiseLines; k++ {
			per[s] = append(per[s], fmt.Sprintf("%s\t%s\tINFO\thandled request %s", now.UTC().Format(time.RFC3339Nano), tag, tag))
		}
	}
	for s, lines := range per {
		if len(lines) == 0 {
			continue
		}
		stream := fmt.Sprintf("%s/[$LATEST]%s", now.UTC().Format("2006/01/02"), g.cfg.RunID)
		if err := sink.PutLogLines(ctx, "/aws/lambda/"+g.service(s), stream, now, lines); err != nil {
			return fmt.Errorf("generator: %w", err)
		}
		g.lines += len(lines)
		for _, l := range lines {
			g.logBytes += int64(len(l) + 26)
		}
		g.logEvents += int64(len(lines))
	}
	return nil
}
