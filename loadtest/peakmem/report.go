package peakmem

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Targets of issue 8: a 6 MB batch in a 128 MB Lambda, peak heap well
// under 100 MB.
// A heap peak up to WellUnder counts as "well under" TargetHeap; up to
// TargetHeap it is "marginal".
const (
	LambdaMemory = 128 << 20
	TargetHeap   = 100 << 20
	WellUnder    = 80 << 20
)

func mib(n int64) string { return fmt.Sprintf("%.1f", float64(n)/(1<<20)) }

// WriteText writes the report for a person.
func (r Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Peak memory of a maximal batch per bootstrap, %d invocation(s) per process (%s, %d runs per build)\n", max(r.Invocations, 1), r.Machine, r.Runs)
	if len(r.Env) > 0 {
		fmt.Fprintf(w, "extra environment: %v\n", r.Env)
	}
	for from, to := range r.Replace {
		fmt.Fprintf(w, "built with %s in place of %s\n", to, from)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "subject\trecords\tdata MiB\tevent MiB\tspans\tidle RSS\tpeak RSS max\tmedian\theap peak (sampled)\truntime mapped\tgctrace max heap\tlive\tGCs\tinvoke ms\tCPU ms/inv\t")
	for _, x := range r.Results {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t\n", x.Subject, x.Records, mib(int64(x.DataBytes)), mib(int64(x.EventBytes)), x.Spans,
			mib(x.IdleRSS), mib(x.PeakRSS), mib(x.PeakRSSMedian), mib(x.Heap.Objects), mib(x.Heap.Runtime), mib(x.GC.MaxBefore), mib(x.GC.MaxLive), x.GC.GCs, x.Duration.Milliseconds(), x.CPU.Milliseconds())
	}
	tw.Flush()
	fmt.Fprintln(w, "\nAll sizes in MiB. idle RSS: after init, before the event. peak RSS: VmHWM after the answer (the Lambda build, GODEBUG=gctrace=1).")
	fmt.Fprintln(w, "heap peak: largest /memory/classes/heap/objects seen by a 1 ms runtime/metrics sampler (a second build, overlay), to 0.25 MiB;")
	fmt.Fprintln(w, "runtime mapped: largest Go-mapped memory not released to the OS. gctrace max heap: largest heap at the start of a GC;")
	fmt.Fprintln(w, "live: largest heap marked live. invoke ms: wall time of the first invocation; CPU ms/inv: process CPU per invocation.")
	fmt.Fprintln(w, "The event is Lambda's JSON (record data in base64); Lambda caps a real invocation payload at 6 MB, so this batch is an upper bound.")
	fmt.Fprintf(w, "\nTarget (issue 8): within a %d MB Lambda (peak RSS), peak heap well under %d MB (here: at most %d MiB):\n", LambdaMemory>>20, TargetHeap>>20, WellUnder>>20)
	for _, x := range r.Results {
		heap := max(x.Heap.Objects, x.GC.MaxBefore)
		verdict := "met"
		switch {
		case heap >= TargetHeap || x.PeakRSS >= LambdaMemory:
			verdict = "NOT MET"
		case heap > WellUnder:
			verdict = fmt.Sprintf("marginal (heap over %d MiB)", WellUnder>>20)
		}
		fmt.Fprintf(w, "  %-20s heap peak %6s MiB, peak RSS %6s MiB of %d: %s\n", x.Subject, mib(heap), mib(x.PeakRSS), LambdaMemory>>20, verdict)
	}
}
