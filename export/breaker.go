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
	probing  bool
}

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
// probe through.
func (b *breakers) allow(collector string) bool {
	if b.opts.Failures < 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.get(collector)
	switch c.state {
	case open:
		if b.now().Sub(c.openedAt) < b.opts.Cooldown {
			return false
		}
		c.state = halfOpen
		c.probing = true
		return true
	case halfOpen:
		if c.probing {
			return false
		}
		c.probing = true
		return true
	}
	return true
}

// record reports the outcome of an attempted request. healthy is true for
// a delivery and for failures that say nothing of the collector's health
// (a 400 for one bad request).
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
