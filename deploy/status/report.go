package status

import (
	"time"

	"github.com/otlpfwd/otlpfwd/deploy/dlqops"
)

// Resources names what Check looks at (the stack's outputs). An empty
// name skips its part, with a note.
type Resources struct {
	Stack, StackStatus             string
	RawStream, ExportStream        string
	DLQURL, FailureQueueURL        string
	IngestFunction, ExportFunction string
	IngestLogGroup, ExportLogGroup string
}

// Defaults for Options.
const (
	DefaultSince          = 15 * time.Minute
	DefaultMaxIteratorAge = 5 * time.Minute
	DefaultDLQSample      = 100
	// maxLogEvents bounds the log events read per log group and search.
	maxLogEvents = 50000
)

// Options tunes Check. The zero value of each field gives the default
// noted.
type Options struct {
	// Since is the window looked at: metrics, error lines and EMF lines
	// of the last Since. Default 15 minutes.
	Since time.Duration
	// MaxIteratorAge is the lag behind a stream above which the pipeline
	// is unhealthy. Default 5 minutes (template.yaml's alarm threshold).
	MaxIteratorAge time.Duration
	// DLQSample is how many DLQ messages are read (and made visible again
	// at once) to break its depth down by reason; negative reads none.
	// Default 100.
	DLQSample int
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Severity grades a Problem.
type Severity string

// Severities.
const (
	// Unhealthy makes the verdict unhealthy.
	Unhealthy Severity = "unhealthy"
	// Warning is worth a look but leaves the verdict healthy.
	Warning Severity = "warning"
)

// Problem is something wrong, and what to do about it.
type Problem struct {
	Severity Severity `json:"severity"`
	What     string   `json:"what"`
	Fix      string   `json:"fix"`
}

// Report is the pipeline's state.
type Report struct {
	Stack       string    `json:"stack,omitempty"`
	StackStatus string    `json:"stack_status,omitempty"`
	CheckedAt   time.Time `json:"checked_at"`
	// WindowSeconds is Options.Since.
	WindowSeconds int         `json:"window_seconds"`
	Healthy       bool        `json:"healthy"`
	Streams       []Stream    `json:"streams"`
	Queues        []Queue     `json:"queues"`
	Functions     []Function  `json:"functions"`
	Collectors    []Collector `json:"collectors"`
	Problems      []Problem   `json:"problems"`
	// Notes say what could not be read.
	Notes []string `json:"notes,omitempty"`
}

// Stream is one Kinesis stream and the function that reads it.
type Stream struct {
	Role           string `json:"role"` // "raw" or "export"
	Name           string `json:"name"`
	Status         string `json:"status,omitempty"`
	OpenShards     int    `json:"open_shards"`
	RetentionHours int    `json:"retention_hours,omitempty"`
	Encryption     string `json:"encryption,omitempty"`
	// IteratorAgeMs is the largest lag over the window (the function's
	// IteratorAge, else the stream's GetRecords.IteratorAgeMilliseconds);
	// nil when CloudWatch has no data.
	IteratorAgeMs *float64 `json:"iterator_age_ms,omitempty"`
	// IteratorAgeSource names the metric IteratorAgeMs comes from.
	IteratorAgeSource string    `json:"iterator_age_source,omitempty"`
	Consumer          string    `json:"consumer,omitempty"`
	Mappings          []Mapping `json:"event_source_mappings,omitempty"`
	// mappingsRead is true when Mappings was read (and may be empty).
	mappingsRead bool
}

// Mapping is an event source mapping's state.
type Mapping struct {
	UUID       string `json:"uuid"`
	State      string `json:"state"`
	LastResult string `json:"last_processing_result,omitempty"`
	Reason     string `json:"state_transition_reason,omitempty"`
}

// Queue is one SQS queue.
type Queue struct {
	Role  string       `json:"role"` // "dlq" or "esm_failures"
	URL   string       `json:"url"`
	Depth dlqops.Depth `json:"depth"`
	// Sampled messages were read to fill ByReason and ByCollector.
	Sampled     int                     `json:"sampled,omitempty"`
	ByReason    map[string]dlqops.Tally `json:"by_reason,omitempty"`
	ByCollector map[string]dlqops.Tally `json:"by_collector,omitempty"`
	Oldest      time.Time               `json:"oldest,omitempty"`
}

// Function is one Lambda function's recent activity.
type Function struct {
	Role     string `json:"role"` // "ingest" or "export"
	Name     string `json:"name"`
	LogGroup string `json:"log_group"`
	// Batches counts the function's EMF summary lines: one per batch.
	Batches int `json:"batches"`
	// Counters sums the function's EMF counters over the window
	// (RecordsIn, Delivered, Undecodable, ...).
	Counters map[string]float64 `json:"counters,omitempty"`
	// ErrorLines counts ERROR lines (and runtime failures: timeouts,
	// crashes) in the log group; LastErrors shows the latest few.
	ErrorLines int       `json:"error_lines"`
	LastErrors []LogLine `json:"last_errors,omitempty"`
	// Invocation errors and throttles from AWS/Lambda; nil without data.
	Errors    *float64 `json:"invocation_errors,omitempty"`
	Throttles *float64 `json:"throttles,omitempty"`
}

// LogLine is one log line, shortened.
type LogLine struct {
	Time    time.Time `json:"time"`
	Stream  string    `json:"log_stream"`
	Message string    `json:"message"`
}

// Collector is one collector's outcomes over the window, from the export
// function's EMF lines.
type Collector struct {
	Name         string `json:"name"`
	Items        int    `json:"items"`
	Requests     int    `json:"requests"`
	Delivered    int    `json:"delivered"`
	DeadLettered int    `json:"dead_lettered"`
	// CircuitOpen counts the batches in which its circuit was open.
	CircuitOpen int `json:"circuit_open_batches"`
}
