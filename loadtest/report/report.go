package report

import (
	"fmt"
	"slices"

	"github.com/otlpfwd/otlpfwd/loadtest"
)

// Report is what the renderers show: a run, what it cost, and optionally
// the scale model computed from it.
type Report struct {
	Result loadtest.Result
	Costs  loadtest.Costs
	// Scale is shown when not empty.
	Scale []loadtest.Scale
}

// New prices r and models it at loadtest.DefaultRates on the default
// assumptions with Lambda on arch.
func New(r loadtest.Result, p loadtest.Prices, arch string) Report {
	return Report{
		Result: r,
		Costs:  loadtest.Cost(r, p, arch),
		Scale:  loadtest.ModelWith(r, p, loadtest.Assumptions{Arch: arch}, nil),
	}
}

// identity checks written = delivered + dead-lettered + pending + missing
// and says so in one line.
func identity(r loadtest.Result) (string, bool) {
	sum := r.Delivered + r.DeadLettered + r.Pending + r.Missing
	line := fmt.Sprintf("written %s = delivered %s + dead-lettered %s + pending %s + missing %s",
		count(int64(r.Written)), count(int64(r.Delivered)), count(int64(r.DeadLettered)),
		count(int64(r.Pending)), count(int64(r.Missing)))
	if sum == r.Written {
		return line + ": holds", true
	}
	return fmt.Sprintf("%s: BROKEN, the parts sum to %s (%+d)", line, count(int64(sum)), sum-r.Written), false
}

// functionNames lists r's functions: ingest and export first, others
// after in name order.
func functionNames(r loadtest.Result) []string {
	var names []string
	for _, n := range []string{"ingest", "export"} {
		if _, ok := r.Functions[n]; ok {
			names = append(names, n)
		}
	}
	var rest []string
	for n := range r.Functions {
		if n != "ingest" && n != "export" {
			rest = append(rest, n)
		}
	}
	slices.Sort(rest)
	return append(names, rest...)
}

// setupLine describes the run in one line.
func setupLine(s loadtest.Setup) string {
	return fmt.Sprintf("%s mode, %s sink, target %s items/s for %s s; %d items/export, %d attributes, %d services; shards raw %d / export %d; %d MB",
		orNA(s.Mode), orNA(s.Sink), num(s.Rate, 0), num(s.DurationS, 0), s.ItemsPerExport, s.Attrs, s.Services, s.RawShards, s.ExportShards, s.MemoryMB)
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

// machineNote is the caveat every report carries.
func machineNote(s loadtest.Setup) string {
	return fmt.Sprintf("Numbers are machine-dependent: measured on %s (%s mode). Lambda durations, RSS and CPU come from local processes, not from AWS hardware; costs apply AWS list prices to what this run measured.",
		orNA(s.Machine), orNA(s.Mode))
}

// notCounted lists what the costs leave out.
var notCounted = []string{
	"data transfer (free within the region; internet egress to collectors outside AWS is not)",
	"CloudWatch metrics from the functions' EMF lines, and the functions' own log ingestion",
	"log storage (retention), Kinesis extended retention, the KMS key itself, alarms",
}
