package loadtest

// Result is everything one load test measured: the input of the cost
// model, the scale model and the reports. Its JSON form is the tool's
// machine-readable output.
type Result struct {
	Setup Setup `json:"setup"`
	// Counts in items (spans, metric data points, log records).
	Written      int `json:"written"`
	Delivered    int `json:"delivered"`
	DeadLettered int `json:"dead_lettered"`
	Pending      int `json:"pending"`
	Missing      int `json:"missing"`
	Duplicates   int `json:"duplicates"`
	// ElapsedSeconds runs from the first write to the end of the drain.
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	// ItemsPerSecond is delivered items over the generation time;
	// MBPerSecond the log bytes written over the same time.
	ItemsPerSecond float64 `json:"items_per_second"`
	MBPerSecond    float64 `json:"mb_per_second"`
	// LatencyMs is write-to-collector latency of first deliveries.
	LatencyMs Percentiles `json:"latency_ms"`
	// Series is one point per second of the run.
	Series []Point `json:"series"`
	// Functions is keyed "ingest" and "export".
	Functions map[string]FunctionUsage `json:"functions"`
	Kinesis   KinesisUsage             `json:"kinesis"`
	// LogBytes is what CloudWatch Logs ingested: every event's message
	// plus 26 bytes of overhead (how CloudWatch Logs sizes a batch).
	LogBytes  int64 `json:"log_bytes"`
	LogEvents int64 `json:"log_events"`
	// SQSRequests counts DLQ and on-failure queue API calls (billed per 64
	// KiB chunk of each request).
	SQSRequests int64 `json:"sqs_requests"`
}

// Setup is what was run.
type Setup struct {
	Mode           string  `json:"mode"` // "rie" or "in-process"; sink "logs" or "raw"
	Sink           string  `json:"sink"`
	Rate           float64 `json:"rate"`
	DurationS      float64 `json:"duration_seconds"`
	ItemsPerExport int     `json:"items_per_export"`
	Attrs          int     `json:"attrs"`
	Services       int     `json:"services"`
	RawShards      int     `json:"raw_shards"`
	ExportShards   int     `json:"export_shards"`
	MemoryMB       int     `json:"memory_mb"`
	Machine        string  `json:"machine"` // e.g. "linux/amd64, 2 CPUs"
	Note           string  `json:"note,omitempty"`
}

// Point is one second of the run.
type Point struct {
	T float64 `json:"t"` // seconds since start
	// Cumulative counts at T.
	Written      int `json:"written"`
	Delivered    int `json:"delivered"`
	DeadLettered int `json:"dead_lettered"`
	// Items delivered during this second, and their latency.
	Rate         float64 `json:"rate"`
	LatencyP50Ms float64 `json:"latency_p50_ms"`
	LatencyP99Ms float64 `json:"latency_p99_ms"`
}

// FunctionUsage is one Lambda function's share.
type FunctionUsage struct {
	Invocations int64 `json:"invocations"`
	// DurationMs is the sum of invocation durations (Lambda bills each
	// rounded up to 1 ms); GBSeconds = DurationMs/1000 * MemoryMB/1024.
	DurationMs float64 `json:"duration_ms"`
	GBSeconds  float64 `json:"gb_seconds"`
	MemoryMB   int     `json:"memory_mb"`
	// PeakRSSBytes and CPUSeconds are of the function's processes (under
	// RIE), 0 when not measured (in process).
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
	CPUSeconds   float64 `json:"cpu_seconds"`
}

// KinesisUsage is both streams' traffic. A PUT payload unit is 25 KB of a
// record, rounded up per record.
type KinesisUsage struct {
	RawRecords     int64 `json:"raw_records"`
	RawBytes       int64 `json:"raw_bytes"`
	RawPutUnits    int64 `json:"raw_put_units"`
	ExportRecords  int64 `json:"export_records"`
	ExportBytes    int64 `json:"export_bytes"`
	ExportPutUnits int64 `json:"export_put_units"`
	RawShards      int   `json:"raw_shards"`
	ExportShards   int   `json:"export_shards"`
}
