package compare

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Reference figures from issue 8, measured earlier on this machine kind.
const (
	RefCollectorSpansPerCPUSecond = 108_000
	RefCollectorPeakRSS           = 182 << 20
	// TargetRatio: export must do at least this many times the
	// Collector's spans per CPU-second.
	TargetRatio = 2.0
)

// Collector returns the Collector's measurement, if there is one.
func (r Report) Collector() (Measurement, bool) {
	for _, m := range r.Results {
		if m.Name == "collector" {
			return m, true
		}
	}
	return Measurement{}, false
}

// WriteText writes the comparison for a person.
func (r Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Spans per CPU-second: export vs the OpenTelemetry Collector as a forwarder (%s)\n", r.Machine)
	fmt.Fprintf(w, "payloads: %d requests x %d spans x %d attributes = %d spans; %.1f MB gzip (%.1f MB raw); as tier-2: %d shard batches, %.1f MB of records; %d requests of warm-up first\n\n",
		r.Requests, r.Spans, r.Attrs, r.Requests*r.Spans, float64(r.PayloadBytes)/1e6, float64(r.RawBytes)/1e6, r.Batches, float64(r.BatchBytes)/1e6, r.Warm)
	col, hasCol := r.Collector()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "subject\tspans\tCPU s\tof it sys\tspans/CPU-s\tx Collector\tx ref 108k\tpeak RSS MB\twall s\treq out\tMB out\t")
	for _, m := range r.Results {
		ratio := "-"
		if hasCol && col.SpansPerCPUSecond() > 0 {
			ratio = fmt.Sprintf("%.2f", m.SpansPerCPUSecond()/col.SpansPerCPUSecond())
		}
		rss := "-"
		if m.PeakRSS > 0 {
			rss = fmt.Sprintf("%.0f", float64(m.PeakRSS)/(1<<20))
		}
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.0f\t%s\t%.2f\t%s\t%.2f\t%d\t%.2f\t\n", m.Name, m.Spans, m.CPU.Seconds(), m.SysCPU.Seconds(), m.SpansPerCPUSecond(), ratio,
			m.SpansPerCPUSecond()/RefCollectorSpansPerCPUSecond, rss, m.Wall.Seconds(), m.Requests, float64(m.WireBytes)/1e6)
	}
	tw.Flush()
	for _, m := range r.Results {
		if m.DecodeCPU > 0 {
			without := Measurement{Spans: m.Spans, CPU: m.CPU - m.DecodeCPU}
			fmt.Fprintf(w, "  %s: %.3f CPU-s of it decode the Lambda event JSON; without that, %.0f spans/CPU-s\n",
				m.Name, m.DecodeCPU.Seconds(), without.SpansPerCPUSecond())
		}
	}
	fmt.Fprintln(w)
	for _, m := range r.Results {
		fmt.Fprintf(w, "  %s: %s\n", m.Name, m.Setup)
	}
	fmt.Fprintf(w, "\nTarget (issue 8): export >= %.0fx the Collector's spans per CPU-second.\n", TargetRatio)
	if hasCol {
		for _, m := range r.Results {
			if m.Name == col.Name {
				continue
			}
			x := m.SpansPerCPUSecond() / col.SpansPerCPUSecond()
			verdict := "met"
			if x < TargetRatio {
				verdict = "NOT MET"
			}
			fmt.Fprintf(w, "  %-38s %.2fx: %s\n", m.Name, x, verdict)
		}
	}
	fmt.Fprintf(w, "\nIssue 8 reference: Collector %dk spans/CPU-s, peak RSS %d MB (105k on other bodies). Its single-core floor,\n", RefCollectorSpansPerCPUSecond/1000, RefCollectorPeakRSS>>20)
	fmt.Fprintln(w, "timed here on these payloads (one request at a time, CPU time of this process), calibrates the payloads:")
	for _, f := range r.Floors {
		fmt.Fprintf(w, "  %-58s %8.0f spans/CPU-s here, %8.0f on the issue's bodies: x%.2f\n", f.Name, f.SpansPerCPUSecond(), f.Ref, f.Weight())
	}
	if col, ok := r.Collector(); ok && len(r.Floors) > FloorFull && r.Floors[FloorFull].Weight() > 0 {
		wt := r.Floors[FloorFull].Weight()
		fmt.Fprintf(w, "A span here costs x%.2f the full floor of the bodies of the 108k run: the Collector's %.0f spans/CPU-s here\n", wt, col.SpansPerCPUSecond())
		fmt.Fprintf(w, "correspond to %.0f on those bodies (reference %d). The ratios above are within one run on the same bytes.\n",
			col.SpansPerCPUSecond()*wt, RefCollectorSpansPerCPUSecond)
	}
}
