package driver

import (
	"fmt"
	"io"
	"time"

	"github.com/otlpfwd/otlpfwd/deploy/local"
	"github.com/otlpfwd/otlpfwd/loadtest"
)

// recorder keeps the per-second series and prints progress.
type recorder struct {
	ledger *loadtest.Ledger
	p      *local.Pipeline
	procs  *loadtest.Procs
	out    io.Writer
	series []loadtest.Point
	last   int
}

func newRecorder(l *loadtest.Ledger, p *local.Pipeline, procs *loadtest.Procs, out io.Writer) *recorder {
	return &recorder{ledger: l, p: p, procs: procs, out: out}
}

func (r *recorder) point(t time.Duration) {
	c := r.ledger.Counts()
	lat, n := r.ledger.Recent()
	dead := int(r.p.Counters.Get("export/DeadLettered"))
	pt := loadtest.Point{T: t.Seconds(), Written: c.Written, Delivered: c.Delivered, DeadLettered: dead,
		LatencyP50Ms: lat.P50, LatencyP99Ms: lat.P99}
	if len(r.series) > 0 {
		prev := r.series[len(r.series)-1]
		if dt := pt.T - prev.T; dt > 0 {
			pt.Rate = float64(n) / dt
		}
	}
	r.series = append(r.series, pt)
	fmt.Fprintf(r.out, "%6.1fs  written %9d  delivered %9d  dead-lettered %7d  %8.0f items/s  p50 %6.0f ms\n",
		pt.T, pt.Written, pt.Delivered, pt.DeadLettered, pt.Rate, pt.LatencyP50Ms)
}

// result assembles the Result from the settled account and the counters.
func (r *recorder) result(s local.Summary, p *local.Pipeline, procs *loadtest.Procs, gen *loadtest.Generator, o Options, genTime, elapsed time.Duration) loadtest.Result {
	c := p.Counters
	logBytes, logEvents := gen.LogUsage()
	mode := "rie"
	if o.Pipeline.InProcess {
		mode = "in-process"
	}
	res := loadtest.Result{
		Setup: loadtest.Setup{Mode: mode, Sink: o.Sink, Rate: o.Load.Rate, DurationS: o.Load.Duration.Seconds(),
			ItemsPerExport: o.Load.ItemsPerExport, Attrs: o.Load.Attrs, Services: o.Load.Services,
			RawShards: o.Pipeline.RawShards, ExportShards: o.Pipeline.ExportShards, MemoryMB: o.MemoryMB, Machine: machine(), Note: o.Note},
		Written: s.Written, Delivered: s.Delivered, DeadLettered: s.DeadLettered, Pending: s.Pending, Missing: s.Missing, Duplicates: s.Duplicates,
		ElapsedSeconds: elapsed.Seconds(),
		LatencyMs:      loadtest.Percentiles{P50: s.Latency.P50, P90: s.P90, P99: s.Latency.P99, Max: s.Max},
		Series:         r.series,
		LogBytes:       logBytes, LogEvents: logEvents,
		Kinesis: loadtest.KinesisUsage{
			RawRecords: int64(c.Get("ingest/RecordsIn")), RawBytes: int64(c.Get("ingest/BytesIn")), RawPutUnits: int64(c.Get("ingest/PutUnitsIn")),
			ExportRecords: int64(c.Get("ingest/RecordsOut")), ExportBytes: int64(c.Get("ingest/BytesOut")), ExportPutUnits: int64(c.Get("ingest/PutUnitsOut")),
			RawShards: o.Pipeline.RawShards, ExportShards: o.Pipeline.ExportShards,
		},
		SQSRequests: int64(c.Get("export/DeadLetters") + c.Get("ingest/DeadLetters")),
		Functions:   map[string]loadtest.FunctionUsage{},
	}
	if genTime > 0 {
		res.ItemsPerSecond = float64(s.Delivered) / genTime.Seconds()
		res.MBPerSecond = float64(logBytes) / 1e6 / genTime.Seconds()
	}
	usage := procs.Usage()
	for _, fn := range []struct {
		name string
		inv  int64
	}{{"ingest", int64(p.Ingest.Stats().Total().Invocations)}, {"export", int64(p.Export.Stats().Total().Invocations)}} {
		ms := c.Get(fn.name + "/Duration")
		// The handlers' own time (EMF Duration, to the microsecond), not
		// Lambda's REPORT duration, which adds the runtime's overhead.
		// Lambda bills each invocation rounded up to 1 ms: half a
		// millisecond an invocation on average.
		billed := ms + 0.5*float64(fn.inv)
		res.Functions[fn.name] = loadtest.FunctionUsage{Invocations: fn.inv, DurationMs: billed, MemoryMB: o.MemoryMB,
			GBSeconds: billed / 1000 * float64(o.MemoryMB) / 1024, PeakRSSBytes: usage[fn.name].PeakRSSBytes, CPUSeconds: usage[fn.name].CPUSeconds}
	}
	return res
}
