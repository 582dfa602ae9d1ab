package processor

import (
	"errors"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// ErrNotMine is returned by a Processor for an event it does not recognise.
var ErrNotMine = errors.New("not recognised by this processor")

// Event is one CloudWatch Logs event and where it came from.
type Event struct {
	Owner     string
	Region    string
	LogGroup  string
	LogStream string
	ID        string
	Time      time.Time
	Message   string
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
