// Command compare measures the export stage's spans per CPU-second against
// the OpenTelemetry Collector used as a forwarder, on the same payloads
// (issue 8: export >= 2x the Collector):
//
//	go run ./loadtest/cmd/compare [-requests 2000] [-json out.json]
//
// It builds (once, cached) the forwarder Collector with
// deploy/toolchain.EnsureForwarder and the export bootstrap as for Lambda,
// then measures the Collector process, export.Handler.Process in this
// process (merge and passthrough, real HTTP client or null sender) and
// the export bootstrap process, all forwarding to sink processes. See
// loadtest/MEASURE.md.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/otlpfwd/otlpfwd/deploy/toolchain"
	"github.com/otlpfwd/otlpfwd/loadtest/bootstrap"
	"github.com/otlpfwd/otlpfwd/loadtest/compare"
	"github.com/otlpfwd/otlpfwd/loadtest/sink"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

func main() {
	// The sink runs as this same program: `compare sink ADDR`.
	if len(os.Args) == 3 && os.Args[1] == "sink" {
		if err := sink.Main(os.Args[2], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "compare sink:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run() error {
	requests := flag.Int("requests", 2000, "application requests measured (each -spans spans)")
	spans := flag.Int("spans", 100, "spans per request")
	attrs := flag.Int("attrs", 6, "attributes per span")
	warm := flag.Int("warm", 200, "requests sent through each subject first, unmeasured")
	conns := flag.Int("conns", 4, "connections the load generator posts to the Collector over")
	modes := flag.String("modes", "merge,passthrough", "export collector modes measured")
	senders := flag.String("senders", "http,null", "senders of the in-process runs: http (otlphttp to a sink process), null")
	noCollector := flag.Bool("no-collector", false, "skip the Collector (no build)")
	noBootstrap := flag.Bool("no-bootstrap", false, "skip the export bootstrap process")
	jsonOut := flag.String("json", "", "also write the report as JSON to this file")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := os.MkdirTemp("", "otlpfwd-compare-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	o := compare.Options{
		Requests: *requests, Spans: *spans, Attrs: *attrs, Warm: *warm, Conns: *conns,
		Senders: split(*senders), Dir: dir, Progress: os.Stderr,
		StartSink: func(ctx context.Context) (*sink.Process, error) { return sink.Start(ctx, self, "sink", "127.0.0.1:0") },
	}
	for _, m := range split(*modes) {
		o.Modes = append(o.Modes, route.Mode(m))
	}
	if !*noCollector {
		fmt.Fprintln(os.Stderr, "ensuring the forwarder Collector (a fresh build takes about 2 minutes)")
		if o.Forwarder, err = toolchain.EnsureForwarder(ctx, toolchain.Options{Progress: os.Stderr}); err != nil {
			return err
		}
	}
	if !*noBootstrap {
		root, err := bootstrap.ModuleRoot(ctx)
		if err != nil {
			return err
		}
		o.ExportBinary = filepath.Join(dir, "export-bootstrap")
		fmt.Fprintln(os.Stderr, "building the export bootstrap as for Lambda")
		if err := bootstrap.Build(ctx, root, bootstrap.Export, runtime.GOARCH, bootstrap.Lambda, o.ExportBinary); err != nil {
			return err
		}
	}
	rep, err := compare.Run(ctx, o)
	if err != nil {
		return err
	}
	rep.WriteText(os.Stdout)
	if *jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(*jsonOut, b, 0o644)
	}
	return nil
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
