package loadtest

import (
	"math"
	"testing"
)

// perItem makes a Result of a million items written whose totals are m's
// figures per item.
func perItem(m PerItem) Result {
	const n = 1_000_000
	return Result{
		Written: n, Delivered: n,
		LogBytes: int64(m.LogBytes * n),
		Kinesis: KinesisUsage{
			RawBytes: int64(m.RawBytes * n), RawRecords: int64(m.RawRecords * n), RawPutUnits: int64(m.RawPutUnits * n),
			ExportBytes: int64(m.ExportBytes * n), ExportRecords: int64(m.ExportRecords * n), ExportPutUnits: int64(m.ExportPutUnits * n),
		},
		Functions: map[string]FunctionUsage{
			"ingest": {DurationMs: m.IngestMs * n, Invocations: int64(m.IngestInvocations * n), MemoryMB: m.IngestMemoryMB},
			"export": {DurationMs: m.ExportMs * n, Invocations: int64(m.ExportInvocations * n), MemoryMB: m.ExportMemoryMB},
		},
		SQSRequests: int64(m.SQSRequests * n),
	}
}

// typical is a span of 6 attributes in batches of 100, roughly as the
// pipeline carries it.
var typical = PerItem{
	LogBytes: 230, RawBytes: 170, RawRecords: 0.01, RawPutUnits: 0.01,
	ExportBytes: 150, ExportRecords: 0.005, ExportPutUnits: 0.01,
	IngestMs: 0.12, ExportMs: 0.17, IngestInvocations: 0.004, ExportInvocations: 0.0005,
	IngestMemoryMB: 512, ExportMemoryMB: 512, SQSRequests: 0.00005,
}

func TestMeasuredDividesByWritten(t *testing.T) {
	if got := Measured(perItem(typical)); got != typical {
		t.Errorf("Measured:\n got %+v\nwant %+v", got, typical)
	}
	if got := Measured(Result{}); got.RawBytes != 0 || got.IngestMemoryMB != 512 {
		t.Errorf("Measured of nothing: %+v", got)
	}
}

func TestModelIsMonotonic(t *testing.T) {
	rows := Model(perItem(typical), DefaultPrices(), []float64{1e3, 1e4, 1e5, 1e6, 1e7})
	if len(rows) != 5 {
		t.Fatalf("%d rows", len(rows))
	}
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		if b.Raw.Shards < a.Raw.Shards || b.Export.Shards < a.Export.Shards {
			t.Errorf("shards fall from %v to %v items/s", a.Rate, b.Rate)
		}
		if b.Raw.MaxConcurrency < a.Raw.MaxConcurrency || b.Export.MaxConcurrency < a.Export.MaxConcurrency || b.Raw.Busy <= a.Raw.Busy {
			t.Errorf("concurrency falls from %v to %v items/s", a.Rate, b.Rate)
		}
		if b.Monthly.Total <= a.Monthly.Total {
			t.Errorf("monthly cost %v at %v items/s, %v at %v", a.Monthly.Total, a.Rate, b.Monthly.Total, b.Rate)
		}
		ac, bc := a.Monthly.Components(), b.Monthly.Components()
		for j := range ac {
			if bc[j].USD < ac[j].USD {
				t.Errorf("%s falls from %v to %v items/s", ac[j].Name, a.Rate, b.Rate)
			}
		}
		if b.First.Use < a.First.Use {
			t.Errorf("first limit's use falls from %v to %v items/s", a.Rate, b.Rate)
		}
	}
	// Past a shard, every per-shard limit stays under the planned 80%.
	for _, s := range rows {
		for _, l := range s.Limits {
			if l.Scope == "shard" && l.Use > 0.8+1e-9 {
				t.Errorf("%v items/s: %s at %v", s.Rate, l.Name, l.Use)
			}
		}
	}
}

func TestModelFirstLimit(t *testing.T) {
	base := PerItem{RawBytes: 10, RawRecords: 0.001, ExportBytes: 10, ExportRecords: 0.001, IngestMemoryMB: 512, ExportMemoryMB: 512}
	for _, tc := range []struct {
		name      string
		m         func(*PerItem)
		a         Assumptions
		rate      float64
		first     string
		use       float64
		rawShards int
		sizedBy   string
	}{
		{
			name: "records: one raw record per item", rate: 1000,
			m:     func(m *PerItem) { m.RawRecords = 1 },
			first: "raw stream records", use: 0.5, rawShards: 2, sizedBy: "shard records/s",
		},
		{
			name: "bytes: 2,000 raw bytes per item", rate: 1000,
			m:     func(m *PerItem) { m.RawBytes = 2000 },
			first: "raw stream write (CloudWatch Logs subscription delivery)", use: 2e6 / 3 / (1 << 20), rawShards: 3, sizedBy: "shard write MiB/s",
		},
		{
			name: "Lambda: 5 ms of ingest per item", rate: 1000,
			m:     func(m *PerItem) { m.IngestMs = 5 },
			first: "ingest batches in flight", use: 5.0 / 7, rawShards: 7, sizedBy: "ingest batches per shard",
		},
		{
			name: "Lambda with ParallelizationFactor 10", rate: 1000,
			m:     func(m *PerItem) { m.IngestMs = 5 },
			a:     Assumptions{IngestParallelization: 10},
			first: "ingest batches in flight", use: 5.0 / 10, rawShards: 1, sizedBy: "minimum",
		},
		{
			name: "account concurrency at 10M items/s", rate: 1e7,
			m:     func(m *PerItem) { m.RawBytes, m.ExportBytes = 100, 100 },
			first: "Lambda concurrency, both functions", use: 2 * 1193.0 / 1000, rawShards: 1193, sizedBy: "shard write MiB/s",
		},
		{
			name: "account shards once concurrency is raised", rate: 1e7,
			m:     func(m *PerItem) { m.RawBytes, m.ExportBytes = 2000, 2000 },
			a:     Assumptions{AccountConcurrency: 1_000_000},
			first: "Kinesis shards, both streams", use: 2 * 23842.0 / 20000, rawShards: 23842, sizedBy: "shard write MiB/s",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base
			tc.m(&m)
			rows := ModelWith(perItem(m), DefaultPrices(), tc.a, []float64{tc.rate})
			if len(rows) != 1 {
				t.Fatalf("%d rows", len(rows))
			}
			s := rows[0]
			if s.First.Name != tc.first || math.Abs(s.First.Use-tc.use) > 1e-9 {
				t.Errorf("first limit %q at %v, want %q at %v", s.First.Name, s.First.Use, tc.first, tc.use)
			}
			if s.Raw.Shards != tc.rawShards || s.Raw.SizedBy != tc.sizedBy {
				t.Errorf("raw shards %d (%s), want %d (%s)", s.Raw.Shards, s.Raw.SizedBy, tc.rawShards, tc.sizedBy)
			}
		})
	}
}

func TestModelMonthlyCost(t *testing.T) {
	p := DefaultPrices()
	p.LogsVended = false
	m := PerItem{LogBytes: 1024, RawBytes: 1000, RawRecords: 0.01, RawPutUnits: 0.01, ExportBytes: 1000, ExportRecords: 0.01, ExportPutUnits: 0.02,
		IngestMs: 0.1, ExportMs: 0.2, IngestInvocations: 0.001, ExportInvocations: 0.002, IngestMemoryMB: 1024, ExportMemoryMB: 512, SQSRequests: 0.0001}
	s := ModelWith(perItem(m), p, Assumptions{}, []float64{1000})[0]
	items := 1000.0 * 730 * 3600 // 2.628e9 a month
	// 1,000 items/s of 1,000 bytes is 0.95 MiB/s: 2 shards a stream at 80%.
	if s.Raw.Shards != 2 || s.Export.Shards != 2 {
		t.Fatalf("shards %d and %d, want 2 and 2", s.Raw.Shards, s.Export.Shards)
	}
	want := Breakdown{
		Logs:           items * 1024 / (1 << 30) * 0.50,
		KinesisShards:  4 * 730 * 0.015,
		KinesisPUT:     items * 0.03 / 1e6 * 0.014,
		LambdaCompute:  items * (0.1/1000*1 + 0.2/1000*0.5) * 0.0000133334,
		LambdaRequests: items * 0.003 / 1e6 * 0.20,
		SQS:            items * 0.0001 / 1e6 * 0.40,
	}
	want.Total = want.Logs + want.KinesisShards + want.KinesisPUT + want.LambdaCompute + want.LambdaRequests + want.SQS
	for i, c := range s.Monthly.Components()[:6] {
		if w := want.Components()[i].USD; !near(c.USD, w) {
			t.Errorf("%s = %.10g, want %.10g", c.Name, c.USD, w)
		}
	}
	if !near(s.Monthly.Total, want.Total) || !near(s.PerMillion, want.Total/items*1e6) {
		t.Errorf("total %v per million %v, want %v and %v", s.Monthly.Total, s.PerMillion, want.Total, want.Total/items*1e6)
	}
}

func TestModelSkipsBadRates(t *testing.T) {
	rows := Model(perItem(typical), DefaultPrices(), []float64{-1, 0, math.NaN(), math.Inf(1), 500})
	if len(rows) != 1 || rows[0].Rate != 500 {
		t.Errorf("rows %+v", rows)
	}
	if got := len(Model(perItem(typical), DefaultPrices(), nil)); got != len(DefaultRates) {
		t.Errorf("%d rows for the default rates", got)
	}
}
