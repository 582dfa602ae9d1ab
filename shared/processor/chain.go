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
)

// Chain tries processors in order; the first that does not answer
// ErrNotMine decides.
type Chain struct {
	procs []Processor
}

// NewChain returns a chain of the given processors.
func NewChain(procs ...Processor) *Chain { return &Chain{procs: procs} }

// Default returns the chain used by ingest: the otlp-stdout envelope.
func Default() *Chain { return NewChain(OTLPStdout{}) }

// Process classifies ev and appends its telemetry to dst. The error, for
// Undecodable, names the processor and what was wrong.
func (c *Chain) Process(ev *Event, dst []Telemetry) ([]Telemetry, Outcome, error) {
	for _, p := range c.procs {
		n := len(dst)
		out, err := p.Process(ev, dst)
		if errors.Is(err, ErrNotMine) {
			continue
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
