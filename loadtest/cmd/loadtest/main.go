// Command loadtest runs the whole pipeline locally under load and reports
// what happened to every item, how fast, and what it would cost on AWS:
//
//	go run ./loadtest/cmd/loadtest --duration 60s --rate 2000 --out loadtest/example
//
// It writes result.json (the measurements), report.html (self-contained,
// with throughput and latency over time) and report.txt into --out, and
// prints the text report. Prices are flags (--price-*), with documented
// us-east-1 defaults. Numbers depend on the machine.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/otlpfwd/otlpfwd/loadtest"
	"github.com/otlpfwd/otlpfwd/loadtest/driver"
	"github.com/otlpfwd/otlpfwd/loadtest/report"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "loadtest: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := pflag.NewFlagSet("loadtest", pflag.ContinueOnError)
	var (
		o       driver.Options
		out     string
		signals string
		arch    string
		scaleMD string
	)
	prices := loadtest.DefaultPrices()
	prices.RegisterFlags(fs)
	fs.DurationVar(&o.Load.Duration, "duration", 60*time.Second, "how long to generate")
	fs.Float64Var(&o.Load.Rate, "rate", 2000, "items per second")
	fs.IntVar(&o.Load.ItemsPerExport, "items-per-export", 100, "items per otlp-stdout line")
	fs.IntVar(&o.Load.Attrs, "attrs", 6, "attributes per item")
	fs.IntVar(&o.Load.Services, "services", 4, "simulated functions")
	fs.StringVar(&signals, "signals", "traces", "signals, comma-separated")
	fs.IntVar(&o.Load.NoiseLines, "noise-lines", 1, "ordinary log lines per otlp-stdout line")
	fs.IntVar(&o.Load.DamagedEvery, "damaged-every", 0, "make every Nth otlp-stdout line damaged (0: none)")
	fs.StringVar(&o.Sink, "sink", "logs", "where telemetry enters: logs (PutLogEvents) or raw (the raw stream)")
	fs.BoolVar(&o.Pipeline.InProcess, "in-process", false, "run the handlers in this process instead of under RIE")
	fs.IntVar(&o.Pipeline.RawShards, "raw-shards", 2, "raw stream shards")
	fs.IntVar(&o.Pipeline.ExportShards, "export-shards", 2, "export stream shards")
	fs.IntVar(&o.MemoryMB, "memory", 128, "function memory (MB) for GB-seconds")
	fs.StringVar(&arch, "arch", loadtest.Arm64, "Lambda architecture for prices: arm64 or x86_64")
	fs.StringVar(&out, "out", "", "folder for result.json, report.html and report.txt (default: a temporary one)")
	fs.StringVar(&scaleMD, "scale-markdown", "", "also write the scale model as a Markdown table to this file")
	fs.StringVar(&o.Note, "note", "", "a note for the report")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loadtest.CheckArch(arch); err != nil {
		return err
	}
	if err := prices.Validate(); err != nil {
		return err
	}
	for _, name := range strings.Split(signals, ",") {
		sig, err := otlp.ParseSignal(name)
		if err != nil {
			return err
		}
		o.Load.Signals = append(o.Load.Signals, sig)
	}
	work, err := os.MkdirTemp("", "otlpfwd-loadtest-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	o.Pipeline.Dir = work
	o.Out = os.Stderr
	res, err := driver.Run(ctx, o)
	if err != nil {
		return err
	}
	if out == "" {
		if out, err = os.MkdirTemp("", "otlpfwd-loadtest-report-*"); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	rp := report.New(res, prices, arch)
	js, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	var txt, html bytes.Buffer
	if err := rp.WriteText(&txt); err != nil {
		return err
	}
	if err := rp.WriteHTML(&html); err != nil {
		return err
	}
	for name, b := range map[string][]byte{"result.json": js, "report.txt": txt.Bytes(), "report.html": html.Bytes()} {
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			return err
		}
	}
	if scaleMD != "" {
		var md bytes.Buffer
		if err := report.WriteScaleMarkdown(&md, rp.Scale); err != nil {
			return err
		}
		if err := os.WriteFile(scaleMD, md.Bytes(), 0o644); err != nil {
			return err
		}
	}
	os.Stdout.Write(txt.Bytes())
	fmt.Fprintf(os.Stderr, "\nreports in %s\n", out)
	if res.Missing > 0 {
		return fmt.Errorf("%d items missing", res.Missing)
	}
	return nil
}
