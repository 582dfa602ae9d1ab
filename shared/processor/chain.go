package processor

import (
	"errors"
	"fmt"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// Outcome classifies one event.
type Outcome int

const (
	// Decoded: the event held telemetry.
	Decoded Outcome = iota
	// Skipped: an ordinary line that no processor claimed.
	Skipped
	// Undecodable: a processor claimed the event but could not decode it.
	Undecodable
	// InProgress: an aws/spans span that has not ended; its completed
	// version follows in a later event. Count it; it is not an error.
	InProgress
)

// String returns the outcome's name.
func (o Outcome) String() string {
	switch o {
	case Decoded:
		return "decoded"
	case Skipped:
		return "skipped"
	case Undecodable:
		return "undecodable"
	case InProgress:
		return "in_progress"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// Chain tries processors in order; the first that does not answer
// ErrNotMine decides.
type Chain struct {
	procs []Processor
}

// NewChain returns a chain of the given processors.
func NewChain(procs ...Processor) *Chain { return &Chain{procs: procs} }

// Default returns the chain used by ingest, in this order: aws-spans (only
// events of the aws/spans log group, first so that no span is ever read as
// something else), otlp-stdout envelopes, lambda-platform (REPORT lines)
// and plain-logs (any other line, only for events with PlainLogs set).
// A line one of them claims is never also a plain log.
func Default() *Chain {
	return NewChain(AWSSpans{}, OTLPStdout{}, LambdaPlatform{}, PlainLogs{})
}

// Process classifies ev and appends its telemetry to dst. The error, for
// Undecodable, names the processor and what was wrong.
func (c *Chain) Process(ev *Event, dst []Telemetry) ([]Telemetry, Outcome, error) {
	for _, p := range c.procs {
		n := len(dst)
		out, err := p.Process(ev, dst)
		if errors.Is(err, ErrNotMine) {
			continue
		}
		if errors.Is(err, ErrInProgress) {
			return dst[:n], InProgress, nil
		}
		if err != nil {
			return dst[:n], Undecodable, fmt.Errorf("%s: %w", p.Name(), err)
		}
		for i := n; i < len(out); i++ {
			t := &out[i]
			st, err := otlp.Scan(t.Signal, t.Proto)
			if err != nil {
				return dst[:n], Undecodable, fmt.Errorf("%s: invalid OTLP %s request: %w", p.Name(), t.Signal, err)
			}
			t.Stats = st
		}
		return out, Decoded, nil
	}
	return dst, Skipped, nil
}
