package otlphttp

import (
	"errors"
	"fmt"
	"time"
)

// Defaults for the zero values of RetryPolicy. They suit a Lambda that has
// seconds to minutes per batch, unlike the Collector's exporterhelper
// (5 s initial, 30 s max, 5 min in all), whose first wait alone would eat
// much of a short invocation: a 503 from a collector that is restarting
// or shedding load is usually gone within a few seconds.
const (
	// DefaultInitialInterval is the first wait.
	DefaultInitialInterval = 500 * time.Millisecond
	// DefaultMaxInterval caps one wait (before jitter), so that a collector
	// that comes back is retried within seconds.
	DefaultMaxInterval = 5 * time.Second
	// DefaultMultiplier grows the wait: 0.5 s, 0.75 s, 1.1 s, 1.7 s, 2.5 s,
	// 3.8 s, then 5 s; about 10 attempts in 30 s.
	DefaultMultiplier = 1.5
	// DefaultJitter spreads each wait over [0.5x, 1.5x], the Collector's
	// randomization factor, so that shards do not retry in lockstep.
	DefaultJitter = 0.5
	// DefaultMargin is kept before ctx's deadline to write the DLQ and return.
	DefaultMargin = 2 * time.Second
	// DefaultMaxElapsed bounds all attempts and waits, for callers whose
	// context has no deadline (the CLI's redrive).
	DefaultMaxElapsed = 2 * time.Minute
	// DefaultMinAttempt is the least time worth giving an attempt: a retry
	// that would be left less than this before the deadline margin is not
	// made, so the last error stays the collector's answer rather than a
	// timeout that was certain.
	DefaultMinAttempt = 200 * time.Millisecond
)

// RetryPolicy tunes SendWithRetry. Every zero value takes the default of
// the same name above.
type RetryPolicy struct {
	// InitialInterval is the first wait. Zero: 500 ms.
	InitialInterval time.Duration
	// MaxInterval caps a wait before jitter. Zero: 5 s.
	MaxInterval time.Duration
	// Multiplier grows the wait after each attempt; at least 1. Zero: 1.5.
	Multiplier float64
	// Jitter is the randomization factor in [0, 1): each wait is drawn from
	// [w*(1-Jitter), w*(1+Jitter)]. Zero: 0.5; negative: no jitter.
	Jitter float64
	// Margin is kept before ctx's deadline: no wait or attempt runs into
	// it. Zero: 2 s; negative: none (attempts may run to the deadline).
	Margin time.Duration
	// MaxElapsed bounds the whole call, deadline or not. Zero: 2 min.
	MaxElapsed time.Duration
	// MaxAttempts bounds the attempts. Zero: no bound but time.
	MaxAttempts int
	// MinAttempt is the least time left worth a retry. Zero: 200 ms.
	MinAttempt time.Duration
}

// Validate reports every field that is out of range.
func (p RetryPolicy) Validate() error {
	var errs []error
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"initial interval", p.InitialInterval}, {"max interval", p.MaxInterval},
		{"max elapsed", p.MaxElapsed}, {"min attempt", p.MinAttempt},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s %s is negative", d.name, d.v))
		}
	}
	if p.Multiplier != 0 && p.Multiplier < 1 {
		errs = append(errs, fmt.Errorf("multiplier %g is below 1", p.Multiplier))
	}
	if p.Jitter >= 1 {
		errs = append(errs, fmt.Errorf("jitter %g is not below 1", p.Jitter))
	}
	if p.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("max attempts %d is negative", p.MaxAttempts))
	}
	if d := p.withDefaults(); d.MaxInterval < d.InitialInterval {
		errs = append(errs, fmt.Errorf("max interval %s is below the initial interval %s", d.MaxInterval, d.InitialInterval))
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid retry policy: %w", errors.Join(errs...))
	}
	return nil
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.InitialInterval == 0 {
		p.InitialInterval = DefaultInitialInterval
	}
	if p.MaxInterval == 0 {
		p.MaxInterval = DefaultMaxInterval
	}
	if p.Multiplier == 0 {
		p.Multiplier = DefaultMultiplier
	}
	switch {
	case p.Jitter == 0:
		p.Jitter = DefaultJitter
	case p.Jitter < 0:
		p.Jitter = 0
	}
	switch {
	case p.Margin == 0:
		p.Margin = DefaultMargin
	case p.Margin < 0:
		p.Margin = 0
	}
	if p.MaxElapsed == 0 {
		p.MaxElapsed = DefaultMaxElapsed
	}
	if p.MinAttempt == 0 {
		p.MinAttempt = DefaultMinAttempt
	}
	return p
}
