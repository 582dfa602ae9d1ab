package compare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/otlpfwd/otlpfwd/loadtest/procstat"
	"github.com/otlpfwd/otlpfwd/loadtest/sink"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// Options configures Run. Zero values give the defaults noted.
type Options struct {
	// Requests is the number of application requests measured. Default
	// 2000 (200,000 spans).
	Requests int
	// Spans and Attrs shape each request. Default 100 and 6, the issue's
	// shape.
	Spans, Attrs int
	// Warm requests go through each subject first, unmeasured. Default
	// 200.
	Warm int
	// Conns is the number of connections the load generator posts to the
	// Collector over. Default 4.
	Conns int
	// Forwarder is the Collector binary (toolchain.EnsureForwarder).
	// Empty: the Collector is not measured.
	Forwarder string
	// ExportBinary is the export bootstrap, built for Lambda. Empty: the
	// bootstrap process is not measured.
	ExportBinary string
	// Modes of the export collector. Default merge and passthrough.
	Modes []route.Mode
	// Senders of the in-process runs: SendHTTP, SendNull. Default both.
	Senders []string
	// StartSink starts a sink process (sink.Start of a command that calls
	// sink.Main). Required.
	StartSink func(ctx context.Context) (*sink.Process, error)
	// Dir holds the Collector's configuration and log. Required.
	Dir string
	// Progress receives a line per step. Nil: none.
	Progress io.Writer
}

// Measurement is one subject's work on the payloads.
type Measurement struct {
	Name  string
	Setup string
	// Spans delivered to the sink (or accepted by the null sender).
	Spans int
	// CPU is the subject's user+system CPU time for them; DecodeCPU, for
	// in-process runs, the part spent decoding the Lambda events from
	// JSON (the bootstrap's runtime loop does it before the handler).
	CPU, DecodeCPU time.Duration
	// SysCPU is the part of CPU spent in the kernel (system time).
	SysCPU time.Duration
	Wall   time.Duration
	// PeakRSS is the subject process's VmHWM (0 for in-process runs: the
	// harness holds every payload).
	PeakRSS int64
	// Requests and WireBytes went out to the sink.
	Requests, WireBytes int64
}

// SpansPerCPUSecond is the figure of merit.
func (m Measurement) SpansPerCPUSecond() float64 {
	if m.CPU <= 0 {
		return 0
	}
	return float64(m.Spans) / m.CPU.Seconds()
}

// Report is one run of the comparison.
type Report struct {
	Machine      string
	Requests     int
	Spans, Attrs int
	Warm         int
	// PayloadBytes are the applications' gzip bodies; RawBytes the same
	// inflated. Batches is the number of tier-2 shard batches they make;
	// BatchBytes their record data.
	PayloadBytes, RawBytes int64
	Batches                int
	BatchBytes             int64
	Results                []Measurement
	// Floors calibrate the payloads against the bodies.
	Floors []Floor
}

// Run makes the payloads and measures each subject on them in turn.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Requests <= 0 {
		o.Requests = 2000
	}
	if o.Spans <= 0 {
		o.Spans = 100
	}
	if o.Attrs <= 0 {
		o.Attrs = 6
	}
	if o.Warm <= 0 {
		o.Warm = 200
	}
	if o.Conns <= 0 {
		o.Conns = 4
	}
	if len(o.Modes) == 0 {
		o.Modes = []route.Mode{route.ModeMerge, route.ModePassthrough}
	}
	if len(o.Senders) == 0 {
		o.Senders = []string{SendHTTP, SendNull}
	}
	if o.StartSink == nil || o.Dir == "" {
		return Report{}, errors.New("compare: Options.StartSink and Options.Dir are required")
	}
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	fmt.Fprintf(progress, "making %d+%d requests of %d spans x %d attributes\n", o.Warm, o.Requests, o.Spans, o.Attrs)
	warm := Payloads("warm", o.Warm, o.Spans, o.Attrs)
	payloads := Payloads("load", o.Requests, o.Spans, o.Attrs)
	warmBatches, batches := Tier2(warm, 0), Tier2(payloads, 0)
	load, _ := procstat.LoadAverage()
	rep := Report{Machine: fmt.Sprintf("%s/%s, %d CPUs, %s, load average %.2f at start", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), load),
		Requests: o.Requests, Spans: o.Spans, Attrs: o.Attrs, Warm: o.Warm, Batches: len(batches)}
	for _, p := range payloads {
		rep.PayloadBytes += int64(len(p.Gzip))
		rep.RawBytes += int64(p.Raw)
	}
	for _, b := range batches {
		rep.BatchBytes += int64(b.Bytes)
	}
	fmt.Fprintln(progress, "timing the issue's floors on the payloads")
	fl, err := floors(payloads[:min(len(payloads), 500)])
	if err != nil {
		return rep, err
	}
	rep.Floors = fl
	add := func(m Measurement, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		fmt.Fprintf(progress, "%s: %d spans, %.3f CPU-s, %.0f spans per CPU-second\n", m.Name, m.Spans, m.CPU.Seconds(), m.SpansPerCPUSecond())
		rep.Results = append(rep.Results, m)
		return nil
	}
	if o.Forwarder != "" {
		fmt.Fprintln(progress, "measuring the Collector")
		if err := add(runForwarder(ctx, &o, warm, payloads)); err != nil {
			return rep, err
		}
	}
	for _, mode := range o.Modes {
		for _, s := range o.Senders {
			fmt.Fprintf(progress, "measuring export %s in-process, %s sender\n", mode, s)
			if err := add(runExport(ctx, &o, mode, s, warmBatches, batches)); err != nil {
				return rep, err
			}
		}
		if o.ExportBinary != "" {
			fmt.Fprintf(progress, "measuring the export bootstrap process, %s\n", mode)
			if err := add(runBootstrap(ctx, &o, mode, warmBatches, batches)); err != nil {
				return rep, err
			}
		}
	}
	return rep, nil
}
