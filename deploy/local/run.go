package local

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/otlpfwd/otlpfwd/loadtest"
)

// RunOptions are the knobs of otlpfwd local.
type RunOptions struct {
	Config
	// Load shapes the generated telemetry.
	Load loadtest.Config
	// Keep leaves everything running after the summary until ctx ends.
	Keep bool
	// Interval between live progress lines. Default 1s.
	Interval time.Duration
	// DrainTimeout bounds the wait for the pipeline to settle after the
	// generator stops. Default 2m.
	DrainTimeout time.Duration
	// Out receives the live lines and the summary (stderr in the CLI).
	Out io.Writer
}

// Summary is what a run did, in items (spans, metric data points, log
// records). Its JSON form is the last line otlpfwd local --output json
// prints.
type Summary struct {
	Written        int         `json:"written"`
	Delivered      int         `json:"delivered"`
	DeadLettered   int         `json:"dead_lettered"`
	Pending        int         `json:"pending"`
	Duplicates     int         `json:"duplicates"`
	Missing        int         `json:"missing"`
	SpansPerSecond float64     `json:"spans_per_second"`
	Latency        LatencyJSON `json:"latency_ms"`

	// Details for the human summary, not part of the JSON line.
	DamagedLines   int                `json:"-"`
	DLQ            loadtest.DLQTally  `json:"-"`
	Counters       map[string]float64 `json:"-"`
	Elapsed        time.Duration      `json:"-"`
	P90, Max       float64            `json:"-"`
	ObservedDirect bool               `json:"-"` // delivered counted from the collector's own output
}

// LatencyJSON is the latency object of the JSON summary.
type LatencyJSON struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// Run brings the pipeline up, writes the load, follows it to the end and
// returns the accounting. Everything it started is stopped before it
// returns (after ctx ends, with Keep).
func Run(ctx context.Context, o RunOptions) (Summary, error) {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 2 * time.Minute
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Progress == nil {
		o.Progress = o.Out
	}
	ledger := loadtest.NewLedger()
	gen := loadtest.NewGenerator(o.Load, ledger)
	o.LogGroups = append(o.LogGroups, gen.LogGroups()...)
	p, err := Start(ctx, o.Config)
	if err != nil {
		return Summary{}, err
	}
	defer p.Stop()
	obs := p.Observe(ledger)
	if obs != nil {
		defer obs.Close()
	}
	fmt.Fprintf(o.Out, "pipeline up: moto %s, collector %s, work dir %s\n", motoURL(p), p.CollectorURL, o.Dir)
	start := time.Now()
	genDone := make(chan error, 1)
	go func() { genDone <- gen.Run(ctx, p.AWS) }()
	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
	progress := func() loadtest.Counts {
		c := ledger.Counts()
		delivered := c.Delivered
		if obs == nil {
			delivered = int(p.Counters.Get("export/Delivered"))
		}
		dead := int(p.Counters.Get("export/DeadLettered"))
		el := time.Since(start).Seconds()
		fmt.Fprintf(o.Out, "%6.1fs  written %8d  delivered %8d  dead-lettered %6d  pending %7d  %8.0f items/s\n",
			el, c.Written, delivered, dead, max(0, c.Written-delivered-dead), float64(delivered)/el)
		return c
	}
	var genErr error
wait:
	for {
		select {
		case genErr = <-genDone:
			break wait
		case <-tick.C:
			progress()
		case <-ctx.Done():
			genErr = <-genDone
			break wait
		}
	}
	if genErr != nil {
		return Summary{}, genErr
	}
	s, err := p.Settle(ctx, ledger, obs, o.DrainTimeout, o.Interval, func() { progress() })
	if err != nil {
		return s, err
	}
	s.Elapsed = time.Since(start)
	if s.Elapsed > 0 {
		s.SpansPerSecond = float64(s.Delivered) / s.Elapsed.Seconds()
	}
	printSummary(o.Out, s)
	if o.Keep {
		fmt.Fprintf(o.Out, "\n--keep: everything stays up until Ctrl-C.\n  AWS endpoint  %s\n  collector     %s\n  raw stream    %s\n  export stream %s\n  DLQ           %s\n  work dir      %s\n",
			motoURL(p), p.CollectorURL, p.Stack.RawStreamARN, p.Stack.ExportStreamARN, p.Stack.DLQURL, o.Dir)
		<-ctx.Done()
	}
	return s, nil
}

func printSummary(w io.Writer, s Summary) {
	fmt.Fprintf(w, "\nsummary after %s (items: spans, metric data points, log records)\n", s.Elapsed.Round(100*time.Millisecond))
	fmt.Fprintf(w, "  written        %d\n  delivered      %d\n  dead-lettered  %d\n  pending        %d\n  missing        %d\n  duplicates     %d\n",
		s.Written, s.Delivered, s.DeadLettered, s.Pending, s.Missing, s.Duplicates)
	fmt.Fprintf(w, "  written = delivered + dead-lettered + pending + missing: %d = %d\n", s.Written, s.Delivered+s.DeadLettered+s.Pending+s.Missing)
	if s.DamagedLines > 0 {
		fmt.Fprintf(w, "  damaged lines written on purpose: %d (dead-lettered as undecodable)\n", s.DamagedLines)
	}
	fmt.Fprintf(w, "  throughput     %.0f items/s\n  latency (log line to collector) p50 %.0f ms  p90 %.0f ms  p99 %.0f ms  max %.0f ms\n",
		s.SpansPerSecond, s.Latency.P50, s.P90, s.Latency.P99, s.Max)
	if s.DLQ.Messages > 0 {
		reasons := make([]string, 0, len(s.DLQ.ByReason))
		for r, n := range s.DLQ.ByReason {
			reasons = append(reasons, fmt.Sprintf("%s %d", r, n))
		}
		sort.Strings(reasons)
		fmt.Fprintf(w, "  DLQ            %d messages, %d items (%v)\n", s.DLQ.Messages, s.DLQ.Items, reasons)
	}
	if !s.ObservedDirect {
		fmt.Fprintln(w, "  (delivered as reported by the export function: the collector is not this run's own)")
	}
}

func motoURL(p *Pipeline) string {
	if p.Moto == nil {
		return "AWS"
	}
	return p.Moto.URL()
}
