// Command peakmem measures the Lambda bootstraps' peak memory on one
// maximal (6 MiB) Kinesis batch each (issue 8: within a 128 MB Lambda,
// peak heap well under 100 MB):
//
//	go run ./loadtest/cmd/peakmem [-runs 3] [-env GOMEMLIMIT=100MiB] [-json out.json]
//
// See loadtest/MEASURE.md.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"

	"github.com/otlpfwd/otlpfwd/loadtest/bootstrap"
	"github.com/otlpfwd/otlpfwd/loadtest/peakmem"
)

type envList []string

func (e *envList) String() string     { return strings.Join(*e, " ") }
func (e *envList) Set(v string) error { *e = append(*e, v); return nil }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "peakmem:", err)
		os.Exit(1)
	}
}

func run() error {
	runs := flag.Int("runs", 3, "runs per subject and build")
	invocations := flag.Int("invocations", 1, "invocations of the batch per process, in a row (a warm Lambda)")
	var env envList
	flag.Var(&env, "env", "NAME=VALUE added to the bootstraps' environment (repeatable), e.g. GOMEMLIMIT=100MiB")
	var replace envList
	flag.Var(&replace, "replace", "FILE=REPLACEMENT (module-relative, repeatable): build with REPLACEMENT in place of FILE (go build -overlay), e.g. shared/compress/s2.go=/tmp/my-s2.go")
	jsonOut := flag.String("json", "", "also write the report as JSON to this file")
	profile := flag.String("profile", "", "instead, run each handler in this process and write heap profiles at its peak to this folder")
	flag.Parse()
	for _, kv := range env {
		if !strings.Contains(kv, "=") {
			return fmt.Errorf("-env %q: want NAME=VALUE", kv)
		}
	}
	repl := map[string]string{}
	for _, kv := range replace {
		from, to, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("-replace %q: want FILE=REPLACEMENT", kv)
		}
		repl[from] = to
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *profile != "" {
		return profileHandlers(ctx, *profile, *invocations)
	}
	root, err := bootstrap.ModuleRoot(ctx)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "otlpfwd-peakmem-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	rep, err := peakmem.Measure(ctx, peakmem.Options{Root: root, Dir: dir, Runs: *runs, Invocations: *invocations, Env: env, Replace: repl, Progress: os.Stderr})
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

func profileHandlers(ctx context.Context, dir string, n int) error {
	runtime.MemProfileRate = peakmem.ProfileRate
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	subs, err := peakmem.Subjects(peakmem.BatchBytes)
	if err != nil {
		return err
	}
	tops, err := peakmem.Profile(ctx, subs, dir, n)
	if err != nil {
		return err
	}
	for _, s := range subs {
		fmt.Printf("%s\n\n", tops[s.Name])
	}
	return nil
}
