package processor

import (
	"errors"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// ErrNotMine is returned by a Processor for an event it does not recognise.
var ErrNotMine = errors.New("not recognised by this processor")

// ErrInProgress is returned by a Processor for an event of its shape that
// has nothing to forward yet: an aws/spans span that has not ended (its
// completed version is logged when it ends). The Chain reports it as the
// outcome InProgress: counted, neither telemetry nor an error.
var ErrInProgress = errors.New("span in progress")

// Event is one CloudWatch Logs event and where it came from.
type Event struct {
	Owner     string
	Region    string
	LogGroup  string
	LogStream string
	ID        string
	Time      time.Time
	Message   string
	// PlainLogs asks for the line to become an OTLP log record when no
	// other processor claims it (the plain-logs processor). Set it only
	// when some collector wants plain logs from the log group and from
	// LineSource(LogGroup) (route.Table.PlainLogs): converting lines nobody
	// asked for costs time and is thrown away.
	PlainLogs bool
}

// Telemetry is one OTLP export request found in an event.
type Telemetry struct {
	Signal otlp.Signal
	// Source is the service that wrote it (the envelope's source, or the
	// function name for Lambda's own lines).
	Source string
	// Headers are headers the record carried (forwarded only where a
	// collector allows them by name).
	Headers map[string]string
	// Proto is the request, uncompressed protobuf.
	Proto []byte
	// Gzip is the request exactly as the application compressed it, when
	// it arrived so; nil otherwise.
	Gzip []byte
	// Stats counts what Proto holds; the Chain fills it in.
	Stats otlp.Stats
	// Processor names the processor that produced it.
	Processor string
	// PlainLogs marks log records made from ordinary lines (plain-logs):
	// route them only to the collectors that asked for plain logs
	// (route.Table.PlainLogs), never by route.Table.Match.
	PlainLogs bool
	// Mergeable marks a request that a processor built from one event
	// (aws-spans, lambda-platform, plain-logs): the caller should merge
	// those of one payload with MergePayload rather than forward a request,
	// and repeat its resource, per log line. Envelope requests are never
	// mergeable: they travel as the application wrote them.
	Mergeable bool
}

// Processor recognises and decodes one input shape.
type Processor interface {
	// Name is a short stable name, e.g. "otlp-stdout".
	Name() string
	// Process appends the telemetry in ev to dst. It returns ErrNotMine
	// when ev is not its shape, and another error when it is its shape but
	// damaged.
	Process(ev *Event, dst []Telemetry) ([]Telemetry, error)
}
