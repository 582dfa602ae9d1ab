package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"

	"github.com/otlpfwd/otlpfwd/loadtest"
)

//go:embed report.html.tmpl
var pageSource string

// pageTemplate escapes every value it prints (html/template), in the page
// and in the SVG charts alike.
var pageTemplate = template.Must(template.New("report").Parse(pageSource))

// WriteHTML writes a self-contained page: no script, no external style,
// font or image; the charts are inline SVG.
func (rp Report) WriteHTML(w io.Writer) error {
	if err := pageTemplate.Execute(w, rp.page()); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}

type page struct {
	Setup, MachineNote, Note string
	Cards                    []card
	Throughput, Latency      chart
	Counts                   grid
	Identity                 string
	IdentityOK               bool
	Functions, Kinesis       grid
	Other                    string
	CostTitle                string
	CostBars                 bars
	Cost                     grid
	NotCounted               []string
	Scale                    scaleView
	HasScale                 bool
}

type card struct {
	Label, Value, Sub string
	Bad               bool
}

func (rp Report) page() page {
	r, c := rp.Result, rp.Costs
	id, ok := identity(r)
	p := page{
		Setup:       setupLine(r.Setup),
		MachineNote: machineNote(r.Setup),
		Note:        r.Setup.Note,
		Identity:    id,
		IdentityOK:  ok,
		Throughput:  throughputChart(r.Series),
		Latency:     latencyChart(r.Series),
		Other: fmt.Sprintf("CloudWatch Logs ingested %s events, %s; SQS took %s requests.",
			count(r.LogEvents), size(float64(r.LogBytes)), count(r.SQSRequests)),
		CostTitle:  fmt.Sprintf("Lambda on %s, US East list prices, spread over %s delivered items", orNA(c.Arch), count(int64(c.Items))),
		NotCounted: notCounted,
		Scale:      newScaleView(rp.Scale),
		HasScale:   len(rp.Scale) > 0,
	}
	lost := r.Missing + r.Pending
	p.Cards = []card{
		{Label: "delivered", Value: count(int64(r.Delivered)), Sub: "of " + count(int64(r.Written)) + " written"},
		{Label: "throughput", Value: num(r.ItemsPerSecond, 0), Sub: "items/s delivered"},
		{Label: "latency p99", Value: ms(r.LatencyMs.P99) + " ms", Sub: "p50 " + ms(r.LatencyMs.P50) + " ms"},
		{Label: "cost", Value: usd(c.PerMillion.Total), Sub: "per million items"},
		{Label: "missing + pending", Value: count(int64(lost)), Sub: "dead-lettered " + count(int64(r.DeadLettered)), Bad: lost > 0 || !ok},
	}

	p.Counts = grid{Head: []string{"items", "count"}}
	for _, kv := range []struct {
		k string
		v int
	}{{"written", r.Written}, {"delivered", r.Delivered}, {"dead-lettered", r.DeadLettered}, {"pending", r.Pending}, {"missing", r.Missing}, {"duplicates", r.Duplicates}} {
		p.Counts.Rows = append(p.Counts.Rows, []string{kv.k, count(int64(kv.v))})
	}

	p.Functions = grid{Head: []string{"function", "invocations", "duration s", "GB-s", "memory", "peak RSS", "CPU s"}}
	for _, n := range functionNames(r) {
		f := r.Functions[n]
		rss, cpu := "n/a", "n/a"
		if f.PeakRSSBytes > 0 {
			rss = size(float64(f.PeakRSSBytes))
		}
		if f.CPUSeconds > 0 {
			cpu = num(f.CPUSeconds, 2)
		}
		p.Functions.Rows = append(p.Functions.Rows, []string{n, count(f.Invocations), num(f.DurationMs/1000, 2), num(f.GBSeconds, 3), fmt.Sprintf("%d MB", f.MemoryMB), rss, cpu})
	}

	k := r.Kinesis
	p.Kinesis = grid{
		Head: []string{"stream", "records", "bytes", "PUT units", "shards", "PUT units per million items"},
		Rows: [][]string{
			{"raw", count(k.RawRecords), size(float64(k.RawBytes)), count(k.RawPutUnits), count(int64(k.RawShards)), perM(k.RawPutUnits, r.Written)},
			{"export", count(k.ExportRecords), size(float64(k.ExportBytes)), count(k.ExportPutUnits), count(int64(k.ExportShards)), perM(k.ExportPutUnits, r.Written)},
		},
	}

	var names []string
	var values []float64
	var est []bool
	p.Cost = grid{Head: []string{"component", "per million items", "this run"}}
	run := c.Run.Components()
	for i, comp := range c.PerMillion.Components() {
		names, values, est = append(names, comp.Name), append(values, comp.USD), append(est, comp.Estimate)
		p.Cost.Rows = append(p.Cost.Rows, []string{comp.Name, usd(comp.USD), usd(run[i].USD)})
		if i == 5 {
			p.Cost.Rows = append(p.Cost.Rows, []string{"total (estimates excluded)", usd(c.PerMillion.Total), usd(c.Run.Total)})
		}
	}
	p.CostBars = newBars(names, values, est)
	return p
}

// throughputChart plots items delivered and written in each second.
func throughputChart(ps []loadtest.Point) chart {
	var delivered, written []pt
	var lastT float64
	var lastW int
	for i, p := range ps {
		delivered = append(delivered, pt{p.T, p.Rate})
		dt := p.T - lastT
		if i == 0 || dt <= 0 {
			dt = 1
		}
		written = append(written, pt{p.T, float64(p.Written-lastW) / dt})
		lastT, lastW = p.T, p.Written
	}
	return newChart("Throughput", "items/s", []series{
		{Name: "delivered", Color: "#1f77b4", Pts: delivered},
		{Name: "written", Color: "#9a9a9a", Dashed: true, Pts: written},
	})
}

// latencyChart plots the p50 and p99 of each second's deliveries; seconds
// without any are gaps.
func latencyChart(ps []loadtest.Point) chart {
	var p50, p99 []pt
	for _, p := range ps {
		a, b := p.LatencyP50Ms, p.LatencyP99Ms
		if p.Rate <= 0 || a <= 0 {
			a = math.NaN()
		}
		if p.Rate <= 0 || b <= 0 {
			b = math.NaN()
		}
		p50, p99 = append(p50, pt{p.T, a}), append(p99, pt{p.T, b})
	}
	return newChart("Latency, write to collector", "ms", []series{
		{Name: "p50", Color: "#2ca02c", Pts: p50},
		{Name: "p99", Color: "#d62728", Pts: p99, Peak: true},
	})
}
