package processor

import (
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
)

// OTLPStdout decodes otlp-stdout envelopes.
type OTLPStdout struct {
	// Options bound the decoder; the zero value uses its defaults.
	Options otlpstdout.Options
}

// Name returns "otlp-stdout".
func (OTLPStdout) Name() string { return "otlp-stdout" }

// Process decodes an envelope line.
func (p OTLPStdout) Process(ev *Event, dst []Telemetry) ([]Telemetry, error) {
	if !otlpstdout.IsEnvelope([]byte(ev.Message)) {
		return dst, ErrNotMine
	}
	m, err := otlpstdout.Decode([]byte(ev.Message), p.Options)
	if err == otlpstdout.ErrNotEnvelope {
		return dst, ErrNotMine
	}
	if err != nil {
		return dst, err
	}
	return append(dst, Telemetry{
		Signal:    m.Signal,
		Source:    m.Source,
		Headers:   m.Headers,
		Proto:     m.Proto,
		Gzip:      m.Gzip,
		Processor: p.Name(),
	}), nil
}
