package loadtest

import "testing"

// handResult is a run whose cost is worked out by hand in TestCost.
func handResult() Result {
	return Result{
		Written: 2_000_000, Delivered: 2_000_000,
		ElapsedSeconds: 1800,
		Functions: map[string]FunctionUsage{
			"ingest": {Invocations: 3000, GBSeconds: 1000, MemoryMB: 512},
			"export": {Invocations: 2000, GBSeconds: 500, MemoryMB: 512},
		},
		Kinesis:     KinesisUsage{RawPutUnits: 600_000, ExportPutUnits: 400_000, RawShards: 3, ExportShards: 1},
		LogBytes:    2 << 30,
		SQSRequests: 250_000,
	}
}

func TestCost(t *testing.T) {
	p := DefaultPrices()
	c := Cost(handResult(), p, Arm64)
	// The run, in dollars:
	//   logs       2 GB x 0.50                         = 1
	//   shards     (3 + 1) shards x 0.5 h x 0.015      = 0.03
	//   PUT        1,000,000 units x 0.014 / 1e6       = 0.014
	//   compute    1,500 GB-s x 0.0000133334           = 0.0200001
	//   requests   5,000 x 0.20 / 1e6                  = 0.001
	//   SQS        250,000 x 0.40 / 1e6                = 0.1
	//   total                                          = 1.1650001
	//   KMS        (4 + 3) x 12 calls/h x 0.5 h = 42 calls x 0.03 / 1e4 = 0.000126
	//   Secrets    4 x 2 x 12 x 0.5 = 48 calls x 0.05 / 1e4 = 0.00024,
	//              plus 1 secret x 0.40 x 0.5 / 730
	want := Breakdown{
		Logs: 1, KinesisShards: 0.03, KinesisPUT: 0.014, LambdaCompute: 0.0200001,
		LambdaRequests: 0.001, SQS: 0.1, Total: 1.1650001,
		KMS: 0.000126, Secrets: 0.00024 + 0.4*0.5/730,
	}
	check(t, "run", c.Run, want)
	// Two million delivered: per million is half the run.
	check(t, "per million", c.PerMillion, Breakdown{
		Logs: 0.5, KinesisShards: 0.015, KinesisPUT: 0.007, LambdaCompute: 0.01000005,
		LambdaRequests: 0.0005, SQS: 0.05, Total: 0.58250005,
		KMS: 0.000063, Secrets: (0.00024 + 0.4*0.5/730) / 2,
	})
	if c.Items != 2_000_000 || c.Arch != Arm64 {
		t.Errorf("items %d arch %q", c.Items, c.Arch)
	}

	x86 := Cost(handResult(), p, X86)
	if !near(x86.Run.LambdaCompute, 1500*0.0000166667) {
		t.Errorf("x86_64 compute %v, want %v", x86.Run.LambdaCompute, 1500*0.0000166667)
	}
}

func TestCostEdges(t *testing.T) {
	p := DefaultPrices()
	t.Run("nothing delivered", func(t *testing.T) {
		r := handResult()
		r.Delivered = 0
		c := Cost(r, p, Arm64)
		if c.PerMillion != (Breakdown{}) || c.Run.Total == 0 {
			t.Errorf("per million %+v, run %+v", c.PerMillion, c.Run)
		}
	})
	t.Run("GB-seconds from duration and memory", func(t *testing.T) {
		r := handResult()
		r.Functions = map[string]FunctionUsage{"ingest": {DurationMs: 2000, MemoryMB: 1024}, "export": {DurationMs: 4000}}
		r.Setup.MemoryMB = 256
		// 2 s x 1 GB + 4 s x 0.25 GB = 3 GB-s
		if got := Cost(r, p, Arm64).Run.LambdaCompute; !near(got, 3*p.GBSecondArm64) {
			t.Errorf("compute %v, want %v", got, 3*p.GBSecondArm64)
		}
	})
	t.Run("shards from the setup", func(t *testing.T) {
		r := handResult()
		r.Kinesis.RawShards, r.Kinesis.ExportShards = 0, 0
		r.Setup.RawShards, r.Setup.ExportShards = 2, 0
		// 2 + 1 (at least one) shards for half an hour
		if got := Cost(r, p, Arm64).Run.KinesisShards; !near(got, 3*0.5*p.ShardHour) {
			t.Errorf("shard-hours cost %v, want %v", got, 3*0.5*p.ShardHour)
		}
	})
}

func check(t *testing.T, what string, got, want Breakdown) {
	t.Helper()
	g, w := got.Components(), want.Components()
	for i := range g {
		if !near(g[i].USD, w[i].USD) {
			t.Errorf("%s %s = %.12g, want %.12g", what, g[i].Name, g[i].USD, w[i].USD)
		}
	}
	if !near(got.Total, want.Total) {
		t.Errorf("%s total = %.12g, want %.12g", what, got.Total, want.Total)
	}
}
