package coldstart

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets of issue 8: ready within TargetReady, bootstrap at most
// TargetSize bytes stripped (15 MB read as 15,000,000 bytes, the stricter
// reading).
const (
	TargetReady = 50 * time.Millisecond
	TargetSize  = 15_000_000
)

// WriteText writes the report for a person: sizes and start times against
// the targets, the variants' effects, and where time and bytes go.
func (r Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Cold start of the Lambda bootstraps (%s, %s, %d runs each)\n\n", r.Machine, r.Go, r.Runs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "function\tvariant\tsize MB\tarm64 MB\tready min\tmedian\tp90\tmax\tfirst answer median\tVmHWM MB\tinit sum\tmain\t")
	for _, x := range r.Results {
		arm := "-"
		if n, ok := x.ArchSize["arm64"]; ok {
			arm = mb(n)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", x.Function, x.Variant, mb(x.Size), arm,
			msf(x.Ready.Min), msf(x.Ready.Median), msf(x.Ready.P90), msf(x.Ready.Max), msf(x.First.Median), mb(x.HWM), msf(x.Init.Clock), msf(x.Main))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nready = exec to the first GET /2018-06-01/runtime/invocation/next; first answer = exec to the response to an empty\n")
	fmt.Fprintf(w, "Kinesis event; init sum = package inits (GODEBUG=inittrace=1, median run); main = end of inits to ready.\n")
	fmt.Fprintf(w, "Targets: ready <= %v, bootstrap <= 15 MB stripped. MB = 10^6 bytes.\n\n", TargetReady)
	for _, x := range r.Results {
		if x.Variant != "lambda" || x.Function == "floor" {
			continue
		}
		fmt.Fprintf(w, "%s: ready p90 %s ms (target %d ms): %s; size %s MB amd64, %s MB arm64 (target 15 MB): %s\n", x.Function,
			msf(x.Ready.P90), TargetReady.Milliseconds(), verdict(x.Ready.P90 <= TargetReady),
			mb(x.Size), mb(x.ArchSize["arm64"]), verdict(x.Size <= TargetSize && x.ArchSize["arm64"] <= TargetSize))
	}
	fmt.Fprintln(w, "\nVariants:")
	for _, v := range r.Variants {
		fmt.Fprintf(w, "  %-9s %s\n", v.Name, v.Note)
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "  skipped: %s\n", s)
	}
	r.writeEffects(w)
	for _, x := range r.Results {
		if x.Variant != "lambda" {
			continue
		}
		fmt.Fprintf(w, "\n%s: %d package inits, %s ms in all (%d allocs), done %s ms after start. Slowest modules:\n",
			x.Function, x.Init.Packages, msf(x.Init.Clock), x.Init.Allocs, msf(x.Init.End))
		for _, m := range x.Init.Modules[:min(8, len(x.Init.Modules))] {
			fmt.Fprintf(w, "  %7s ms  %s\n", msf(m.Clock), m.Module)
		}
		fmt.Fprintln(w, "  slowest packages:")
		for _, in := range x.Init.Top[:min(8, len(x.Init.Top))] {
			fmt.Fprintf(w, "  %7s ms  %s (%d allocs)\n", msf(in.Clock), in.Package, in.Allocs)
		}
	}
	for _, fn := range []string{"ingest", "export", "floor"} {
		b, ok := r.Breakdowns[fn]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "\n%s, unstripped build: %s MB file, %s MB in sized symbols. Largest modules:\n", fn, mb(b.File), mb(b.Symbols))
		for _, m := range b.Modules[:min(14, len(b.Modules))] {
			fmt.Fprintf(w, "  %7s KB  %s\n", kb(m.Bytes), m.Name)
		}
		fmt.Fprintln(w, "  largest packages:")
		for _, p := range b.Packages[:min(14, len(b.Packages))] {
			fmt.Fprintf(w, "  %7s KB  %s\n", kb(p.Bytes), p.Name)
		}
	}
}

// writeEffects compares each variant with the Lambda build.
func (r Report) writeEffects(w io.Writer) {
	base := map[string]Result{}
	for _, x := range r.Results {
		if x.Variant == "lambda" {
			base[x.Function] = x
		}
	}
	var lines []string
	for _, x := range r.Results {
		b, ok := base[x.Function]
		if x.Variant == "lambda" || !ok {
			continue
		}
		lines = append(lines, fmt.Sprintf("  %-7s %-9s size %+8s MB   ready median %+6s ms   init sum %+6s ms   VmHWM %+6s MB",
			x.Function, x.Variant, mb(x.Size-b.Size), msf(x.Ready.Median-b.Ready.Median), msf(x.Init.Clock-b.Init.Clock), mb(x.HWM-b.HWM)))
	}
	if len(lines) > 0 {
		fmt.Fprintln(w, "\nEffect of each variant against the Lambda build (negative = smaller/faster):")
		fmt.Fprintln(w, strings.Join(lines, "\n"))
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}

func mb(n int64) string { return fmt.Sprintf("%.2f", float64(n)/1e6) }
func kb(n int64) string { return fmt.Sprintf("%.0f", float64(n)/1e3) }
func msf(d time.Duration) string {
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond))
}
