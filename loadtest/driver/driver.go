package driver

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"time"

	"github.com/otlpfwd/otlpfwd/deploy/local"
	"github.com/otlpfwd/otlpfwd/loadtest"
	"github.com/otlpfwd/otlpfwd/shared/aws/stream"
)

// Options say what to run. Zero values give the defaults noted.
type Options struct {
	// Pipeline is the local pipeline's configuration (Dir is required).
	Pipeline local.Config
	// Load shapes the telemetry.
	Load loadtest.Config
	// Sink is "logs" (PutLogEvents into subscribed log groups, default) or
	// "raw" (subscription payloads straight into the raw stream).
	Sink string
	// MemoryMB is the functions' memory for GB-seconds. Default 128.
	MemoryMB int
	// Interval between progress lines and series points. Default 1s.
	Interval time.Duration
	// DrainTimeout bounds the wait after generation. Default 3m.
	DrainTimeout time.Duration
	// Out receives progress lines. Default: discard.
	Out io.Writer
	// Note is added to the result's setup.
	Note string
}

// Run runs one load test.
func Run(ctx context.Context, o Options) (loadtest.Result, error) {
	if o.Sink == "" {
		o.Sink = "logs"
	}
	if o.Sink != "logs" && o.Sink != "raw" {
		return loadtest.Result{}, fmt.Errorf("sink %q: want logs or raw", o.Sink)
	}
	if o.MemoryMB <= 0 {
		o.MemoryMB = 128
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 3 * time.Minute
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Pipeline.Progress == nil {
		o.Pipeline.Progress = o.Out
	}
	ledger := loadtest.NewLedger()
	gen := loadtest.NewGenerator(o.Load, ledger)
	if o.Sink == "logs" {
		o.Pipeline.LogGroups = append(o.Pipeline.LogGroups, gen.LogGroups()...)
	}
	p, err := local.Start(ctx, o.Pipeline)
	if err != nil {
		return loadtest.Result{}, err
	}
	defer p.Stop()
	var sink loadtest.Sink = p.AWS
	if o.Sink == "raw" {
		sink = &loadtest.RawSink{Writer: stream.NewWriter(p.AWS.Kinesis, p.Stack.RawStreamARN, stream.Options{}), Owner: local.MotoAccount}
	}
	obs := p.Observe(ledger)
	if obs == nil {
		return loadtest.Result{}, fmt.Errorf("the load test follows items into its own collector: do not set a collector URL")
	}
	defer obs.Close()
	procs := loadtest.NewProcs(map[string]string{
		"ingest": filepath.Join(p.Dir(), "bin", "ingest", "bootstrap"),
		"export": filepath.Join(p.Dir(), "bin", "export", "bootstrap"),
	})
	rec := newRecorder(ledger, p, procs, o.Out)
	start := time.Now()
	genDone := make(chan error, 1)
	go func() { genDone <- gen.Run(ctx, sink) }()
	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
	sampler := time.NewTicker(200 * time.Millisecond)
	defer sampler.Stop()
	var genErr error
loop:
	for {
		select {
		case genErr = <-genDone:
			break loop
		case <-sampler.C:
			procs.Sample()
		case <-tick.C:
			rec.point(time.Since(start))
		}
	}
	if genErr != nil {
		return loadtest.Result{}, genErr
	}
	genTime := time.Since(start)
	s, err := p.Settle(ctx, ledger, obs, o.DrainTimeout, o.Interval, func() {
		procs.Sample()
		rec.point(time.Since(start))
	})
	if err != nil {
		return loadtest.Result{}, err
	}
	procs.Sample()
	r := rec.result(s, p, procs, gen, o, genTime, time.Since(start))
	return r, nil
}

// machine describes this machine for the report.
func machine() string {
	return fmt.Sprintf("%s/%s, %d CPUs (numbers depend on the machine)", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
}
