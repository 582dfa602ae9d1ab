package loadtest

// Breakdown is money by component, in US dollars: for a run, per million
// items, or per month (Scale).
//
// Left out, because a run does not measure them: data transfer (none
// within a region for these services; to collectors outside AWS it is
// internet egress, $0.09/GB in the first tier, on the compressed bytes
// sent); CloudWatch metrics that the functions' EMF lines create and the
// ingestion of the functions' own log lines; log storage (set by
// retention); Kinesis extended retention; the KMS key itself ($1 a month,
// none for AWS managed keys); CloudWatch alarms.
type Breakdown struct {
	Logs           float64 `json:"cloudwatch_logs"`
	KinesisShards  float64 `json:"kinesis_shard_hours"`
	KinesisPUT     float64 `json:"kinesis_put_units"`
	LambdaCompute  float64 `json:"lambda_compute"`
	LambdaRequests float64 `json:"lambda_requests"`
	SQS            float64 `json:"sqs"`
	// Total is the sum of the measured components above.
	Total float64 `json:"total"`
	// KMS and Secrets are estimates, not measurements, and are not in
	// Total. KMS: Kinesis server-side encryption calls KMS about every 5
	// minutes for each credential that writes or reads a stream; the
	// estimate counts CloudWatch Logs and one event source mapping per
	// stream, plus one credential per Lambda environment (one per shard),
	// 12 calls an hour each. Secrets: every Lambda environment refreshes the
	// collector table every 5 minutes (route.DefaultTTL) with one list and
	// one read per collector, one collector assumed, plus that secret's
	// monthly price.
	KMS     float64 `json:"kms_estimate"`
	Secrets float64 `json:"secrets_manager_estimate"`
}

// Component is one line of a Breakdown.
type Component struct {
	Name     string
	USD      float64
	Estimate bool // not measured, not in Total
}

// Components lists b's lines in a fixed order, estimates last.
func (b Breakdown) Components() []Component {
	return []Component{
		{Name: "CloudWatch Logs ingestion", USD: b.Logs},
		{Name: "Kinesis shard-hours", USD: b.KinesisShards},
		{Name: "Kinesis PUT payload units", USD: b.KinesisPUT},
		{Name: "Lambda compute (GB-s)", USD: b.LambdaCompute},
		{Name: "Lambda requests", USD: b.LambdaRequests},
		{Name: "SQS requests", USD: b.SQS},
		{Name: "KMS requests (estimate)", USD: b.KMS, Estimate: true},
		{Name: "Secrets Manager (estimate)", USD: b.Secrets, Estimate: true},
	}
}

func (b Breakdown) totalled() Breakdown {
	b.Total = b.Logs + b.KinesisShards + b.KinesisPUT + b.LambdaCompute + b.LambdaRequests + b.SQS
	return b
}

func (b Breakdown) scaled(f float64) Breakdown {
	return Breakdown{
		Logs: b.Logs * f, KinesisShards: b.KinesisShards * f, KinesisPUT: b.KinesisPUT * f,
		LambdaCompute: b.LambdaCompute * f, LambdaRequests: b.LambdaRequests * f, SQS: b.SQS * f,
		KMS: b.KMS * f, Secrets: b.Secrets * f,
	}.totalled()
}

// Costs is what a run cost and what that makes per million items.
type Costs struct {
	Arch string `json:"arch"`
	// Items is the delivered items the run's cost is spread over; when it
	// is 0, PerMillion is all zero.
	Items      int       `json:"items"`
	Run        Breakdown `json:"run"`
	PerMillion Breakdown `json:"per_million"`
}

// The estimates' assumptions (see Breakdown.KMS and Breakdown.Secrets).
const (
	kmsCallsPerHour     = 12 // a data key every 5 minutes per credential
	secretReadsPerHour  = 12 // route.DefaultTTL is 5 minutes
	estimatedCollectors = 1
	bytesPerGB          = 1 << 30
	hoursPerMonth       = 730
)

// Cost prices what r measured with p, Lambda on arch (Arm64 or X86; see
// Prices.GBSecond for anything else), and spreads it over the delivered
// items:
//   - CloudWatch Logs: r.LogBytes at p.LogsPerGB (GB of 2^30 bytes);
//   - Kinesis shard-hours: (raw + export shards) x elapsed hours;
//   - Kinesis PUT: both streams' PUT payload units;
//   - Lambda: both functions' GB-seconds and invocations;
//   - SQS: r.SQSRequests.
func Cost(r Result, p Prices, arch string) Costs {
	raw, exp := shards(r)
	hours := r.ElapsedSeconds / 3600
	var gbs float64
	var invocations int64
	for _, f := range r.Functions {
		gbs += gbSeconds(f, r.Setup.MemoryMB)
		invocations += f.Invocations
	}
	envs := float64(raw + exp)
	run := Breakdown{
		Logs:           float64(r.LogBytes) / bytesPerGB * p.LogsPerGB,
		KinesisShards:  envs * hours * p.ShardHour,
		KinesisPUT:     float64(r.Kinesis.RawPutUnits+r.Kinesis.ExportPutUnits) / 1e6 * p.PutUnitsPerMillion,
		LambdaCompute:  gbs * p.GBSecond(arch),
		LambdaRequests: float64(invocations) / 1e6 * p.LambdaRequestsPerMillion,
		SQS:            float64(r.SQSRequests) / 1e6 * p.SQSRequestsPerMillion,
		KMS:            kmsCalls(envs) * hours / 1e4 * p.KMSPer10kRequests,
		Secrets:        secretsCost(envs, hours, p),
	}.totalled()
	c := Costs{Arch: arch, Items: r.Delivered, Run: run}
	if r.Delivered > 0 {
		c.PerMillion = run.scaled(1e6 / float64(r.Delivered))
	}
	return c
}

// shards returns the streams' shard counts: as measured, else as set up,
// at least 1 each.
func shards(r Result) (raw, export int) {
	raw, export = r.Kinesis.RawShards, r.Kinesis.ExportShards
	if raw <= 0 {
		raw = r.Setup.RawShards
	}
	if export <= 0 {
		export = r.Setup.ExportShards
	}
	return max(raw, 1), max(export, 1)
}

// kmsCalls is KMS requests an hour for envs Lambda environments: one
// credential each, plus CloudWatch Logs writing the raw stream and one
// event source mapping reading each stream.
func kmsCalls(envs float64) float64 { return (envs + 3) * kmsCallsPerHour }

// secretsCost is Secrets Manager for envs Lambda environments over hours.
func secretsCost(envs, hours float64, p Prices) float64 {
	calls := envs * (estimatedCollectors + 1) * secretReadsPerHour * hours
	return calls/1e4*p.SecretsPer10kCalls + estimatedCollectors*p.SecretMonth*hours/hoursPerMonth
}

// gbSeconds is f's GB-seconds, computed from its duration and memory (or
// the setup's) when the measurement left it out.
func gbSeconds(f FunctionUsage, setupMB int) float64 {
	if f.GBSeconds > 0 || f.DurationMs <= 0 {
		return f.GBSeconds
	}
	return f.DurationMs / 1000 * float64(memoryMB(f, setupMB)) / 1024
}

// memoryMB is f's memory, else the setup's, else template.yaml's 512.
func memoryMB(f FunctionUsage, setupMB int) int {
	switch {
	case f.MemoryMB > 0:
		return f.MemoryMB
	case setupMB > 0:
		return setupMB
	}
	return 512
}
