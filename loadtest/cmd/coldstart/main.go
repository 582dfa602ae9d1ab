// Command coldstart measures the Lambda bootstraps' size and cold start
// (issue 8: ready for the first event within 50 ms, bootstrap at most
// 15 MB stripped) and shows what the bytes and milliseconds go to:
//
//	go run ./loadtest/cmd/coldstart [-runs 20] [-json out.json]
//
// It builds ingest, export and the floor bootstrap as deploy/stack builds
// them (and as the variants in loadtest/coldstart), starts each -runs times
// under a fake Lambda Runtime API on loopback, and prints the table and the
// breakdowns. See loadtest/MEASURE.md.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/otlpfwd/otlpfwd/loadtest/bootstrap"
	"github.com/otlpfwd/otlpfwd/loadtest/coldstart"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

func run() error {
	runs := flag.Int("runs", 20, "cold starts per bootstrap and variant")
	initRuns := flag.Int("init-runs", 5, "GODEBUG=inittrace=1 starts per bootstrap and variant")
	jsonOut := flag.String("json", "", "also write the report as JSON to this file")
	keep := flag.String("dir", "", "build into this folder and keep it (default: a temporary folder, removed)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root, err := bootstrap.ModuleRoot(ctx)
	if err != nil {
		return err
	}
	dir := *keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "otlpfwd-coldstart-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rep, err := coldstart.Measure(ctx, coldstart.Options{Root: root, Dir: dir, Runs: *runs, InitRuns: *initRuns, Progress: os.Stderr})
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
