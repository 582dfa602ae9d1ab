package coldstart

import (
	"context"
	"debug/buildinfo"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/otlpfwd/otlpfwd/loadtest/bootstrap"
	"github.com/otlpfwd/otlpfwd/loadtest/lambdart"
	"github.com/otlpfwd/otlpfwd/loadtest/procstat"
)

// Options configures Measure. Zero values give the defaults noted.
type Options struct {
	// Root is the module root (bootstrap.ModuleRoot). Required.
	Root string
	// Dir receives the binaries. Required.
	Dir string
	// Runs is the number of cold starts per function and variant.
	// Default 20.
	Runs int
	// InitRuns is the number of GODEBUG=inittrace=1 starts per function
	// and variant. Default 5.
	InitRuns int
	// Functions measured. Default ingest, export and floor (the floor is
	// measured as Lambda builds it only).
	Functions []bootstrap.Function
	// Variants measured. Default DefaultVariants.
	Variants []bootstrap.Variant
	// Arches are other GOARCHes whose Lambda build's size is reported
	// (binaries run only on this machine's). Default arm64 (and amd64
	// when this machine is arm64).
	Arches []string
	// Progress receives a line per step. Nil: none.
	Progress io.Writer
}

// Durations summarizes repeated timings.
type Durations struct {
	Min, Median, P90, Max time.Duration
}

func summarize(ds []time.Duration) Durations {
	if len(ds) == 0 {
		return Durations{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return Durations{Min: s[0], Median: s[len(s)/2], P90: s[min(len(s)-1, (len(s)*9+9)/10-1)], Max: s[len(s)-1]}
}

// Result is one function built one way.
type Result struct {
	Function string
	Variant  string
	// Size of the binary for this machine's GOARCH, and for the Lambda
	// variant for each of Options.Arches too.
	Size     int64
	ArchSize map[string]int64
	// Ready runs from exec to the first GET /invocation/next; First to
	// the answer of an empty Kinesis event (first invocation included).
	Ready, First Durations
	// HWM is the median peak RSS after the first answer.
	HWM int64
	// Init is the median run's package inits; Main the median time from
	// the end of the inits to the first poll (main: configuration, clients,
	// the runtime loop's start).
	Init InitSummary
	Main time.Duration
}

// Report is everything Measure found.
type Report struct {
	Machine string
	Go      string
	Runs    int
	Results []Result
	// Breakdowns, per function, attribute the Symbols build's bytes.
	Breakdowns map[string]Breakdown
	Variants   []bootstrap.Variant
	// Skipped lists the variants whose overlay no longer builds against
	// the current tree (refresh it from the file it replaces).
	Skipped []string
}

// Measure builds each function in each variant, starts each Runs times
// under a fake Runtime API (interleaved, so that machine noise spreads over
// all), then InitRuns times with GODEBUG=inittrace=1, and reads the
// symbols of the Symbols build.
func Measure(ctx context.Context, o Options) (Report, error) {
	if o.Runs <= 0 {
		o.Runs = 20
	}
	if o.InitRuns <= 0 {
		o.InitRuns = 5
	}
	if len(o.Functions) == 0 {
		o.Functions = []bootstrap.Function{bootstrap.Ingest, bootstrap.Export, bootstrap.Floor}
	}
	if len(o.Variants) == 0 {
		o.Variants = DefaultVariants
	}
	if o.Arches == nil {
		o.Arches = []string{"arm64"}
		if runtime.GOARCH == "arm64" {
			o.Arches = []string{"amd64"}
		}
	}
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	home := filepath.Join(o.Dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return Report{}, err
	}
	type job struct {
		fn  bootstrap.Function
		v   bootstrap.Variant
		bin string
		res *Result
	}
	var jobs []*job
	load, _ := procstat.LoadAverage()
	rep := Report{Machine: fmt.Sprintf("%s/%s, %d CPUs, load average %.2f at start", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), load), Go: runtime.Version(), Runs: o.Runs,
		Breakdowns: map[string]Breakdown{}, Variants: o.Variants}
	for _, fn := range o.Functions {
		for _, v := range o.Variants {
			if fn == bootstrap.Floor && v.Name != bootstrap.Lambda.Name {
				continue
			}
			bin := filepath.Join(o.Dir, fn.Name+"-"+v.Name)
			fmt.Fprintf(progress, "build %s (%s)\n", fn.Name, v.Name)
			if err := bootstrap.Build(ctx, o.Root, fn, runtime.GOARCH, v, bin); err != nil {
				if len(v.Replace) == 0 || ctx.Err() != nil {
					return rep, err
				}
				// An overlay is a copy of files others keep changing: once
				// stale, its variant is skipped, not the whole report.
				fmt.Fprintf(progress, "skip %s (%s): its overlay no longer builds: %v\n", fn.Name, v.Name, err)
				rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s (%s): %v", fn.Name, v.Name, err))
				continue
			}
			r := &Result{Function: fn.Name, Variant: v.Name, ArchSize: map[string]int64{}}
			fi, err := os.Stat(bin)
			if err != nil {
				return rep, err
			}
			r.Size = fi.Size()
			r.ArchSize[runtime.GOARCH] = r.Size
			if v.Name == bootstrap.Lambda.Name {
				for _, arch := range o.Arches {
					out := bin + "-" + arch
					if err := bootstrap.Build(ctx, o.Root, fn, arch, v, out); err != nil {
						return rep, err
					}
					fi, err := os.Stat(out)
					if err != nil {
						return rep, err
					}
					r.ArchSize[arch] = fi.Size()
				}
			}
			if v.Name == Symbols.Name {
				b, err := Analyze(bin)
				if err != nil {
					return rep, err
				}
				rep.Breakdowns[fn.Name] = b
			}
			jobs = append(jobs, &job{fn: fn, v: v, bin: bin, res: r})
		}
	}
	event := [][]byte{[]byte(`{"Records":[]}`)}
	ready := make([][]time.Duration, len(jobs))
	first := make([][]time.Duration, len(jobs))
	hwm := make([][]int64, len(jobs))
	fmt.Fprintf(progress, "cold starts: %d rounds of %d bootstraps\n", o.Runs, len(jobs))
	for range o.Runs {
		for i, j := range jobs {
			run, err := lambdart.Exec(ctx, lambdart.Invoke{Binary: j.bin, Env: bootstrap.Env(j.fn, home, bootstrap.Endpoints{}), Events: event})
			if err != nil {
				return rep, err
			}
			if len(run.Results) != 1 || run.Results[0].Err {
				return rep, fmt.Errorf("%s (%s): the empty event failed: %s", j.fn.Name, j.v.Name, run.Results[0].Body)
			}
			ready[i] = append(ready[i], run.Ready)
			first[i] = append(first[i], run.Total)
			hwm[i] = append(hwm[i], run.Mem.HWM)
		}
	}
	fmt.Fprintf(progress, "init traces: %d rounds\n", o.InitRuns)
	for i, j := range jobs {
		j.res.Ready, j.res.First = summarize(ready[i]), summarize(first[i])
		slices.Sort(hwm[i])
		j.res.HWM = hwm[i][len(hwm[i])/2]
		mods, err := modules(j.bin)
		if err != nil {
			return rep, err
		}
		var sums []InitSummary
		var mains []time.Duration
		for range o.InitRuns {
			env := append(bootstrap.Env(j.fn, home, bootstrap.Endpoints{}), "GODEBUG=inittrace=1")
			run, err := lambdart.Exec(ctx, lambdart.Invoke{Binary: j.bin, Env: env})
			if err != nil {
				return rep, err
			}
			s := Summarize(ParseInitTrace(run.Stderr), mods, 12)
			sums = append(sums, s)
			mains = append(mains, run.Ready-s.End)
		}
		slices.SortFunc(sums, func(a, b InitSummary) int { return int(a.Clock - b.Clock) })
		j.res.Init = sums[len(sums)/2]
		j.res.Main = summarize(mains).Median
		rep.Results = append(rep.Results, *j.res)
	}
	return rep, nil
}

// modules lists the module paths in a binary's build info.
func modules(bin string) ([]string, error) {
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return nil, fmt.Errorf("read build info of %s: %w", bin, err)
	}
	mods := []string{bi.Main.Path}
	for _, d := range bi.Deps {
		mods = append(mods, d.Path)
	}
	return mods, nil
}
