package report

import (
	"bufio"
	"fmt"
	"io"

	"github.com/otlpfwd/otlpfwd/loadtest"
)

// WriteText writes the terminal summary: aligned columns, no colour.
func (rp Report) WriteText(w io.Writer) error {
	r, c := rp.Result, rp.Costs
	bw := bufio.NewWriter(w)
	var tw table
	line := func(label string, cells ...string) { tw.add(append([]string{label}, cells...)...) }
	flush := func() { tw.write(bw, "  ") }
	head := func(s string) { flush(); fmt.Fprintf(bw, "\n%s\n", s) }

	fmt.Fprintf(bw, "otlpfwd load test: %s\n", setupLine(r.Setup))
	fmt.Fprintf(bw, "machine: %s. %s\n", orNA(r.Setup.Machine), "Numbers are machine-dependent.")
	if r.Setup.Note != "" {
		fmt.Fprintf(bw, "note: %s\n", r.Setup.Note)
	}

	head("Items")
	line("written", count(int64(r.Written)))
	line("delivered", count(int64(r.Delivered)))
	line("dead-lettered", count(int64(r.DeadLettered)))
	line("pending", count(int64(r.Pending)))
	line("missing", count(int64(r.Missing)))
	line("duplicates", count(int64(r.Duplicates)))
	flush()
	id, _ := identity(r)
	fmt.Fprintf(bw, "  %s\n", id)

	head("Throughput")
	line("delivered, items/s", num(r.ItemsPerSecond, 0))
	line("log bytes written, MB/s", num(r.MBPerSecond, 2))
	line("elapsed, s", num(r.ElapsedSeconds, 1))

	head("Latency, write to collector")
	line("", "p50", "p90", "p99", "max")
	line("ms", ms(r.LatencyMs.P50), ms(r.LatencyMs.P90), ms(r.LatencyMs.P99), ms(r.LatencyMs.Max))

	head("Functions")
	line("", "invocations", "duration s", "GB-s", "memory", "peak RSS", "CPU s")
	for _, n := range functionNames(r) {
		f := r.Functions[n]
		rss, cpu := "n/a", "n/a"
		if f.PeakRSSBytes > 0 {
			rss = size(float64(f.PeakRSSBytes))
		}
		if f.CPUSeconds > 0 {
			cpu = num(f.CPUSeconds, 2)
		}
		line(n, count(f.Invocations), num(f.DurationMs/1000, 2), num(f.GBSeconds, 3), fmt.Sprintf("%d MB", f.MemoryMB), rss, cpu)
	}

	head("Kinesis")
	k := r.Kinesis
	line("", "records", "bytes", "PUT units", "shards", "units/M items")
	line("raw", count(k.RawRecords), size(float64(k.RawBytes)), count(k.RawPutUnits), fmt.Sprint(k.RawShards), perM(k.RawPutUnits, r.Written))
	line("export", count(k.ExportRecords), size(float64(k.ExportBytes)), count(k.ExportPutUnits), fmt.Sprint(k.ExportShards), perM(k.ExportPutUnits, r.Written))
	flush()
	fmt.Fprintf(bw, "  CloudWatch Logs: %s events, %s; SQS: %s requests\n", count(r.LogEvents), size(float64(r.LogBytes)), count(r.SQSRequests))

	head(fmt.Sprintf("Cost per million items (%s, US East list prices, over %s delivered)", orNA(c.Arch), count(int64(c.Items))))
	for _, comp := range c.PerMillion.Components() {
		if !comp.Estimate {
			line(comp.Name, usd(comp.USD))
		}
	}
	line("total", usd(c.PerMillion.Total))
	for _, comp := range c.PerMillion.Components() {
		if comp.Estimate {
			line(comp.Name+", not in total", usd(comp.USD))
		}
	}
	flush()
	fmt.Fprintf(bw, "  the whole run: %s. Not counted:\n", usd(c.Run.Total))
	for _, n := range notCounted {
		fmt.Fprintf(bw, "  - %s\n", n)
	}

	if len(rp.Scale) > 0 {
		head("Scale model (monthly, from this run's figures per item)")
		line("items/s", "raw shards", "export shards", "max concurrency", "$/month", "$/M items", "first limit")
		for _, s := range rp.Scale {
			line(short(s.Rate), count(int64(s.Raw.Shards)), count(int64(s.Export.Shards)),
				count(int64(s.Raw.MaxConcurrency+s.Export.MaxConcurrency)), usd(s.Monthly.Total), usd(s.PerMillion),
				firstLimit(s.First))
		}
	}
	flush()
	return bw.Flush()
}

// perM is n per million of items, or n/a.
func perM(n int64, items int) string {
	if items <= 0 {
		return "n/a"
	}
	return num(float64(n)/float64(items)*1e6, 0)
}

// firstLimit names a limit with its use.
func firstLimit(l loadtest.Limit) string {
	if l.Name == "" {
		return "none"
	}
	return fmt.Sprintf("%s, %s (%s)", l.Name, scope(l.Scope), pct(l.Use))
}
