package loadtest

import "math"

// DefaultRates are the target rates of the scale model, items a second.
var DefaultRates = []float64{1e3, 1e5, 1e7}

// PerItem is what one item written into the pipeline took in a measured
// run: the scale model's input. Every figure is a run total divided by the
// items written; at higher rates CloudWatch Logs and the event source
// mappings batch more, so records, invocations and Lambda time per item
// can only fall, and the model errs on the dear side.
type PerItem struct {
	LogBytes       float64 `json:"log_bytes"`
	RawBytes       float64 `json:"raw_bytes"`
	RawRecords     float64 `json:"raw_records"`
	RawPutUnits    float64 `json:"raw_put_units"`
	ExportBytes    float64 `json:"export_bytes"`
	ExportRecords  float64 `json:"export_records"`
	ExportPutUnits float64 `json:"export_put_units"`
	// IngestMs and ExportMs are Lambda duration (billed ms) per item.
	IngestMs          float64 `json:"ingest_ms"`
	ExportMs          float64 `json:"export_ms"`
	IngestInvocations float64 `json:"ingest_invocations"`
	ExportInvocations float64 `json:"export_invocations"`
	IngestMemoryMB    int     `json:"ingest_memory_mb"`
	ExportMemoryMB    int     `json:"export_memory_mb"`
	SQSRequests       float64 `json:"sqs_requests"`
}

// Measured returns r's figures per item written (all zero when none was).
func Measured(r Result) PerItem {
	in, ex := r.Functions["ingest"], r.Functions["export"]
	m := PerItem{IngestMemoryMB: memoryMB(in, r.Setup.MemoryMB), ExportMemoryMB: memoryMB(ex, r.Setup.MemoryMB)}
	if r.Written <= 0 {
		return m
	}
	n := float64(r.Written)
	k := r.Kinesis
	m.LogBytes = float64(r.LogBytes) / n
	m.RawBytes, m.RawRecords, m.RawPutUnits = float64(k.RawBytes)/n, float64(k.RawRecords)/n, float64(k.RawPutUnits)/n
	m.ExportBytes, m.ExportRecords, m.ExportPutUnits = float64(k.ExportBytes)/n, float64(k.ExportRecords)/n, float64(k.ExportPutUnits)/n
	m.IngestMs, m.ExportMs = in.DurationMs/n, ex.DurationMs/n
	m.IngestInvocations, m.ExportInvocations = float64(in.Invocations)/n, float64(ex.Invocations)/n
	m.SQSRequests = float64(r.SQSRequests) / n
	return m
}

// Assumptions are the scale model's inputs besides the measured figures.
// A zero field takes DefaultAssumptions' value.
type Assumptions struct {
	// Arch prices Lambda: Arm64 (template.yaml's default) or X86.
	Arch string `json:"arch"`
	// HoursPerMonth is 730 (AWS's monthly convention).
	HoursPerMonth float64 `json:"hours_per_month"`
	// Utilization is the share of each shard limit and of each Lambda slot
	// the model plans to use, leaving headroom for bursts: 0.8.
	Utilization float64 `json:"utilization"`
	// IngestParallelization and ExportParallelization are the event source
	// mappings' ParallelizationFactor (1-10): concurrent batches per shard.
	// 1, as template.yaml.
	IngestParallelization int `json:"ingest_parallelization"`
	ExportParallelization int `json:"export_parallelization"`
	// IngestBatchSize and ExportBatchSize are records per batch, as
	// template.yaml: 100 and 500.
	IngestBatchSize int `json:"ingest_batch_size"`
	ExportBatchSize int `json:"export_batch_size"`
	// Readers is the consumers sharing each stream's read throughput: 1,
	// the event source mapping.
	Readers int `json:"readers"`
	// ShardWriteBytes, ShardWriteRecords and ShardReadBytes are a
	// provisioned shard's limits: 1 MiB/s and 1,000 records/s in, 2 MiB/s
	// out.
	ShardWriteBytes   float64 `json:"shard_write_bytes"`
	ShardWriteRecords float64 `json:"shard_write_records"`
	ShardReadBytes    float64 `json:"shard_read_bytes"`
	// AccountConcurrency is Lambda's concurrency quota per account and
	// region: 1,000 by default (adjustable).
	AccountConcurrency int `json:"account_concurrency"`
	// AccountShards is Kinesis's provisioned shard quota per account:
	// 20,000 in US East (N. Virginia), US West (Oregon) and Europe
	// (Ireland), 1,000 or 6,000 elsewhere (adjustable;
	// https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html).
	AccountShards int `json:"account_shards"`
	// BatchPayloadBytes caps an event source mapping's batch: the 6 MB
	// (6 MiB) synchronous invocation payload, in which Kinesis data is
	// base64 with about EventRecordOverhead bytes of JSON per record.
	BatchPayloadBytes   float64 `json:"batch_payload_bytes"`
	EventRecordOverhead float64 `json:"event_record_overhead"`
	// PutRecordsEntries is PutRecords' 500 entries per call.
	PutRecordsEntries int `json:"put_records_entries"`
}

// DefaultAssumptions returns the values the field comments give.
func DefaultAssumptions() Assumptions {
	return Assumptions{
		Arch: Arm64, HoursPerMonth: hoursPerMonth, Utilization: 0.8,
		IngestParallelization: 1, ExportParallelization: 1,
		IngestBatchSize: 100, ExportBatchSize: 500, Readers: 1,
		ShardWriteBytes: 1 << 20, ShardWriteRecords: 1000, ShardReadBytes: 2 << 20,
		AccountConcurrency: 1000, AccountShards: 20000,
		BatchPayloadBytes: 6 << 20, EventRecordOverhead: 500, PutRecordsEntries: 500,
	}
}

func (a Assumptions) withDefaults() Assumptions {
	d := DefaultAssumptions()
	setS := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	setF := func(v *float64, def float64) {
		if *v <= 0 {
			*v = def
		}
	}
	setI := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setS(&a.Arch, d.Arch)
	setF(&a.HoursPerMonth, d.HoursPerMonth)
	setF(&a.Utilization, d.Utilization)
	setI(&a.IngestParallelization, d.IngestParallelization)
	setI(&a.ExportParallelization, d.ExportParallelization)
	setI(&a.IngestBatchSize, d.IngestBatchSize)
	setI(&a.ExportBatchSize, d.ExportBatchSize)
	setI(&a.Readers, d.Readers)
	setF(&a.ShardWriteBytes, d.ShardWriteBytes)
	setF(&a.ShardWriteRecords, d.ShardWriteRecords)
	setF(&a.ShardReadBytes, d.ShardReadBytes)
	setI(&a.AccountConcurrency, d.AccountConcurrency)
	setI(&a.AccountShards, d.AccountShards)
	setF(&a.BatchPayloadBytes, d.BatchPayloadBytes)
	setF(&a.EventRecordOverhead, d.EventRecordOverhead)
	setI(&a.PutRecordsEntries, d.PutRecordsEntries)
	a.Utilization = min(a.Utilization, 1)
	return a
}

// Tier is one stream and the function that reads it, at a target rate.
type Tier struct {
	Stream   string `json:"stream"`   // "raw" or "export"
	Function string `json:"function"` // the function its event source mapping invokes
	Shards   int    `json:"shards"`
	// SizedBy names the limit that set Shards, or "minimum" when one shard
	// carries the rate.
	SizedBy     string  `json:"sized_by"`
	WriteMiBps  float64 `json:"write_mib_per_second"`
	RecordsPerS float64 `json:"records_per_second"`
	ReadMiBps   float64 `json:"read_mib_per_second"` // all readers
	// Busy is the function's mean concurrency at the rate (rate x Lambda
	// time per item); Concurrency rounds it up. MaxConcurrency is Shards x
	// parallelization, what the mapping runs at once while it catches up
	// on a backlog.
	Busy           float64 `json:"busy"`
	Concurrency    int     `json:"concurrency"`
	MaxConcurrency int     `json:"max_concurrency"`
	Invocations    float64 `json:"invocations_per_second"`
}

// Limit is one service limit checked at a target rate.
type Limit struct {
	Name string `json:"name"`
	// Scope: "shard" (per shard, at the model's shard count), "account"
	// (a quota of the account and region), or "batch" (per batch or call:
	// does not grow with the rate).
	Scope      string  `json:"scope"`
	Need       float64 `json:"need"`
	Quota      float64 `json:"quota"`
	Unit       string  `json:"unit"`
	Adjustable bool    `json:"adjustable"`
	// Use is Need/Quota: above 1 the limit is exceeded.
	Use float64 `json:"use"`
}

// Scale is the model's answer for one target rate.
type Scale struct {
	Rate   float64 `json:"items_per_second"`
	Raw    Tier    `json:"raw"`
	Export Tier    `json:"export"`
	Limits []Limit `json:"limits"`
	// First is the shard or account limit with the highest Use: as every
	// demand grows in proportion to the rate, the one a rising rate meets
	// first. Per-shard limits stay under Utilization, because the model
	// adds shards; account quotas are taken as the defaults, so past 1
	// they need a quota increase. Batch limits do not grow with the rate
	// and are left out of First (see Limits).
	First Limit `json:"first_limit"`
	// Monthly is the cost of HoursPerMonth at the rate; PerMillion its
	// total per million items.
	Monthly     Breakdown   `json:"monthly"`
	PerMillion  float64     `json:"per_million"`
	PerItem     PerItem     `json:"per_item"`
	Assumptions Assumptions `json:"assumptions"`
	Prices      Prices      `json:"prices"`
}

// Model runs ModelWith on the default assumptions.
func Model(r Result, p Prices, rates []float64) []Scale {
	return ModelWith(r, p, Assumptions{}, rates)
}

// ModelWith sizes the pipeline for each rate (items a second; DefaultRates
// when rates is empty) from r's figures per item: shards per stream from
// the shard write, record and read limits and from the Lambda time the
// rate needs (one batch per shard per parallelization slot), the
// functions' concurrency, the first limit met, and the monthly cost.
// Rates that are not positive numbers are skipped.
func ModelWith(r Result, p Prices, a Assumptions, rates []float64) []Scale {
	if len(rates) == 0 {
		rates = DefaultRates
	}
	a = a.withDefaults()
	m := Measured(r)
	rows := make([]Scale, 0, len(rates))
	for _, rate := range rates {
		if !(rate > 0) || math.IsInf(rate, 0) {
			continue
		}
		rows = append(rows, scaleAt(rate, m, p, a))
	}
	return rows
}

func scaleAt(rate float64, m PerItem, p Prices, a Assumptions) Scale {
	raw := tier("raw", "ingest", rate, m.RawBytes, m.RawRecords, m.IngestMs, m.IngestInvocations, a.IngestParallelization, a)
	exp := tier("export", "export", rate, m.ExportBytes, m.ExportRecords, m.ExportMs, m.ExportInvocations, a.ExportParallelization, a)
	s := Scale{Rate: rate, Raw: raw, Export: exp, PerItem: m, Assumptions: a, Prices: p}

	s.Limits = append(s.Limits, shardLimits(raw, a.IngestParallelization, a, " (CloudWatch Logs subscription delivery)")...)
	s.Limits = append(s.Limits, shardLimits(exp, a.ExportParallelization, a, " (ingest PutRecords)")...)
	s.Limits = append(s.Limits,
		limit("Lambda concurrency, both functions", "account", float64(raw.MaxConcurrency+exp.MaxConcurrency), float64(a.AccountConcurrency), "concurrent executions", true),
		limit("Kinesis shards, both streams", "account", float64(raw.Shards+exp.Shards), float64(a.AccountShards), "shards", true),
		limit("ingest batch payload (event source mapping)", "batch", batchBytes(a.IngestBatchSize, m.RawBytes, m.RawRecords, a), a.BatchPayloadBytes, "bytes", false),
		limit("export batch payload (event source mapping)", "batch", batchBytes(a.ExportBatchSize, m.ExportBytes, m.ExportRecords, a), a.BatchPayloadBytes, "bytes", false),
		limit("PutRecords entries from one ingest batch", "batch", perRecord(m.ExportRecords, m.RawRecords)*float64(a.IngestBatchSize), float64(a.PutRecordsEntries), "entries", false),
	)
	for _, l := range s.Limits {
		if l.Scope != "batch" && l.Use > s.First.Use {
			s.First = l
		}
	}

	secs := a.HoursPerMonth * 3600
	items := rate * secs
	envs := float64(raw.MaxConcurrency + exp.MaxConcurrency)
	s.Monthly = Breakdown{
		Logs:           p.logsMonth(items * m.LogBytes / bytesPerGB),
		KinesisShards:  float64(raw.Shards+exp.Shards) * a.HoursPerMonth * p.ShardHour,
		KinesisPUT:     items * (m.RawPutUnits + m.ExportPutUnits) / 1e6 * p.PutUnitsPerMillion,
		LambdaCompute:  items * (m.IngestMs*float64(m.IngestMemoryMB) + m.ExportMs*float64(m.ExportMemoryMB)) / 1000 / 1024 * p.GBSecond(a.Arch),
		LambdaRequests: items * (m.IngestInvocations + m.ExportInvocations) / 1e6 * p.LambdaRequestsPerMillion,
		SQS:            items * m.SQSRequests / 1e6 * p.SQSRequestsPerMillion,
		KMS:            kmsCalls(envs) * a.HoursPerMonth / 1e4 * p.KMSPer10kRequests,
		Secrets:        secretsCost(envs, a.HoursPerMonth, p),
	}.totalled()
	s.PerMillion = s.Monthly.Total / items * 1e6
	return s
}

// tier sizes one stream: enough shards that no shard limit and no Lambda
// slot runs above a.Utilization.
func tier(stream, fn string, rate, bytes, records, ms, invocations float64, parallel int, a Assumptions) Tier {
	t := Tier{
		Stream: stream, Function: fn,
		WriteMiBps:  rate * bytes / (1 << 20),
		RecordsPerS: rate * records,
		ReadMiBps:   rate * bytes * float64(a.Readers) / (1 << 20),
		Busy:        rate * ms / 1000,
		Invocations: rate * invocations,
	}
	needs := []struct {
		name   string
		shards float64
	}{
		{"shard write MiB/s", rate * bytes / (a.ShardWriteBytes * a.Utilization)},
		{"shard records/s", t.RecordsPerS / (a.ShardWriteRecords * a.Utilization)},
		{"shard read MiB/s", rate * bytes * float64(a.Readers) / (a.ShardReadBytes * a.Utilization)},
		{fn + " batches per shard", t.Busy / (float64(parallel) * a.Utilization)},
	}
	t.Shards, t.SizedBy = 1, "minimum"
	top := 1.0
	for _, n := range needs {
		if n.shards > top {
			top, t.SizedBy = n.shards, n.name
		}
	}
	t.Shards = max(1, ceil(top))
	t.Concurrency = ceil(t.Busy)
	t.MaxConcurrency = t.Shards * parallel
	return t
}

// shardLimits are one tier's per-shard limits at its shard count.
func shardLimits(t Tier, parallel int, a Assumptions, writer string) []Limit {
	n := float64(t.Shards)
	return []Limit{
		limit(t.Stream+" stream write"+writer, "shard", t.WriteMiBps/n*(1<<20), a.ShardWriteBytes, "bytes/s", false),
		limit(t.Stream+" stream records", "shard", t.RecordsPerS/n, a.ShardWriteRecords, "records/s", false),
		limit(t.Stream+" stream read", "shard", t.ReadMiBps/n*(1<<20), a.ShardReadBytes, "bytes/s", false),
		limit(t.Function+" batches in flight", "shard", t.Busy/n, float64(parallel), "batches", true),
	}
}

func limit(name, scope string, need, quota float64, unit string, adjustable bool) Limit {
	l := Limit{Name: name, Scope: scope, Need: need, Quota: quota, Unit: unit, Adjustable: adjustable}
	if quota > 0 {
		l.Use = need / quota
	}
	return l
}

// batchBytes is the invocation payload of a full batch of records of the
// measured mean size: base64 plus JSON per record.
func batchBytes(size int, bytes, records float64, a Assumptions) float64 {
	return float64(size) * (perRecord(bytes, records)*4/3 + a.EventRecordOverhead)
}

func perRecord(v, records float64) float64 {
	if records <= 0 {
		return 0
	}
	return v / records
}

// ceil rounds up, forgiving float noise (100.0000000001 is 100).
func ceil(v float64) int { return int(math.Ceil(v - 1e-9)) }
