package export

import (
	"sync"
	"time"
)

// BreakerOptions tunes the per-collector circuit breaker. Zero values give
// the defaults noted.
type BreakerOptions struct {
	// Failures is how many consecutive failed requests (retries exhausted,
	// network errors, 5xx) open the circuit. Default 3; negative disables
	// the breaker.
	Failures int
	// Cooldown is how long the circuit stays open before one probe request
	// is let through. Default 30s.
	Cooldown time.Duration
}

type breakerState int

const (
	closed breakerState = iota
	open
	halfOpen
)

// breakers holds one circuit per collector. It lives as long as the Lambda
// execution environment, so a dead collector is remembered across batches.
type breakers struct {
	mu    sync.Mutex
	opts  BreakerOptions
	now   func() time.Time
	state map[string]*circuit
}

type circuit struct {
	state    breakerState
	failures int
	openedAt time.Time
	probing  bool      // a probe is out
	probeAt  time.Time // when it went out
	probe    uint64    // its number; each probe gets the next
}

// probeID names the probe request a caller was let through with; 0 for a
// request that is not one.
type probeID uint64

func newBreakers(opts BreakerOptions, now func() time.Time) *breakers {
	if opts.Failures == 0 {
		opts.Failures = 3
	}
	if opts.Cooldown <= 0 {
		opts.Cooldown = 30 * time.Second
	}
	return &breakers{opts: opts, now: now, state: map[string]*circuit{}}
}

// allow reports whether a request to collector may be attempted. While the
// circuit is open it answers false; after the cooldown it lets exactly one
// probe through, and names it: the caller must then either record the
// collector's answer or release the probe. A probe out for longer than the
// cooldown is taken as lost and another is let through.
func (b *breakers) allow(collector string) (bool, probeID) {
	if b.opts.Failures < 0 {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.get(collector)
	now := b.now()
	switch c.state {
	case open:
		if now.Sub(c.openedAt) < b.opts.Cooldown {
			return false, 0
		}
		c.state = halfOpen
	case halfOpen:
		if c.probing && now.Sub(c.probeAt) < b.opts.Cooldown {
			return false, 0
		}
	default:
		return true, 0
	}
	c.probe++
	c.probing, c.probeAt = true, now
	return true, probeID(c.probe)
}

// release gives back probe p when its request got no answer from the
// collector (it was not sent, or our own deadline cut it short): the
// circuit stays half-open and the next request probes. Releasing 0, or a
// probe already replaced or answered, does nothing.
func (b *breakers) release(collector string, p probeID) {
	if p == 0 || b.opts.Failures < 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.get(collector)
	if c.state == halfOpen && c.probing && c.probe == uint64(p) {
		c.probing = false
	}
}

// record reports the collector's answer to an attempted request. healthy
// is true for a delivery and for failures that say nothing of the
// collector's health (a 400 for one bad request). A request that got no
// answer (not sent, no attempt made, or cut short by our own deadline) is
// not recorded: its probe, if it was one, is released instead.
func (b *breakers) record(collector string, healthy bool) {
	if b.opts.Failures < 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.get(collector)
	c.probing = false
	if healthy {
		c.state, c.failures = closed, 0
		return
	}
	c.failures++
	if c.state == halfOpen || c.failures >= b.opts.Failures {
		c.state, c.openedAt = open, b.now()
	}
}

// isOpen reports whether collector's circuit is open (for status lines).
func (b *breakers) isOpen(collector string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.state[collector]
	return ok && c.state != closed
}

func (b *breakers) get(collector string) *circuit {
	c := b.state[collector]
	if c == nil {
		c = &circuit{}
		b.state[collector] = c
	}
	return c
}
