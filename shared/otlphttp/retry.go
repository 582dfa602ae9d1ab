package otlphttp

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Attempt describes one attempt, for logs and counters.
type Attempt struct {
	// N counts attempts from 1.
	N int
	// Start is when the attempt began; Duration how long it took.
	Start    time.Time
	Duration time.Duration
	// Response is what Send returned (Status is set for non-2xx too).
	Response Response
	// Err is nil on success, else an *Error.
	Err error
	// Wait is the wait before the next attempt; 0 when none follows.
	Wait time.Duration
}

// Result sums up a SendWithRetry call, for DLQ metadata and counters.
type Result struct {
	// Attempts is the number of attempts made (0 if there was no time for one).
	Attempts int
	// FirstFailure and LastFailure are when the first and the last failed
	// attempt ended; zero if none failed.
	FirstFailure, LastFailure time.Time
	// Waited is the time spent waiting between attempts.
	Waited time.Duration
	// CutShort is set on a failure that holds no answer from the
	// collector: no attempt was made, or every failed attempt was ended by
	// ctx or by the retry cutoff (deadline margin, MaxElapsed) before the
	// collector answered. Such a failure says nothing of the collector's
	// health: a circuit breaker must not count it. It is false on success
	// and whenever the error returned is the collector's own (a status, a
	// network error, a timeout of the request's own attempt timeout).
	CutShort bool
}

// SendWithRetry delivers req, retrying retryable failures with
// exponential backoff and jitter; a Retry-After on a 429 or 503 replaces
// the next wait. It never waits or attempts past ctx's deadline minus
// p.Margin (nor past p.MaxElapsed): each attempt's timeout is the least of
// the request's timeout and the time left before that point, and when the
// next wait would leave less than p.MinAttempt, it stops at once.
//
// It returns a nil error on a 2xx (a partial success included); the
// *Error itself for a permanent failure; and, when it stops retrying a
// retryable failure (out of time or attempts, or ctx ended), an error
// wrapping ErrRetriesExhausted and the last real *Error (and ctx's error
// if it ended). The last real error is the collector's last answer: an
// attempt that ctx or the cutoff ended before the collector answered ends
// the retrying, and its timeout is reported only when no attempt before it
// failed otherwise. observe, if not nil, is called after every attempt.
func (c *Client) SendWithRetry(ctx context.Context, req Request, p RetryPolicy, observe func(Attempt)) (Response, Result, error) {
	var res Result
	if err := p.Validate(); err != nil {
		return Response{}, res, err
	}
	p = p.withDefaults()
	cutoff := c.now().Add(p.MaxElapsed)
	limit := fmt.Sprintf("the retry time limit of %s", p.MaxElapsed)
	if dl, ok := ctx.Deadline(); ok {
		if m := dl.Add(-p.Margin); m.Before(cutoff) {
			cutoff, limit = m, "the deadline margin"
			if p.Margin == 0 {
				limit = "the deadline"
			}
		}
	}

	exp := &backoff.ExponentialBackOff{
		InitialInterval:     p.InitialInterval,
		RandomizationFactor: p.Jitter,
		Multiplier:          p.Multiplier,
		MaxInterval:         p.MaxInterval,
		MaxElapsedTime:      0, // the cutoff bounds time, against c.now
		Stop:                backoff.Stop,
		Clock:               clockFunc(c.now),
	}

	var (
		last       error    // the last real failure: what the caller gets
		lastCut    bool     // last is from an attempt ctx or the cutoff ended
		stop       string   // why retrying stopped early; "" if it did not
		pending    *Attempt // the attempt not yet observed
		sleeping   bool
		sleepStart time.Time
	)
	report := func(wait time.Duration) {
		if pending == nil {
			return
		}
		pending.Wait = wait
		if observe != nil {
			observe(*pending)
		}
		pending = nil
	}

	op := func() (Response, error) {
		now := c.now()
		if sleeping {
			res.Waited += now.Sub(sleepStart)
			sleeping = false
		}
		left := cutoff.Sub(now)
		if left <= 0 {
			stop = "no time left before " + limit
			return Response{}, backoff.Permanent(errStopped)
		}
		res.Attempts++
		timeout := c.attemptTimeout(req)
		budget := min(timeout, left)
		started := time.Now() // the real clock, which the attempt's timer runs on
		r, err := c.send(ctx, req, budget)
		end := c.now()
		pending = &Attempt{N: res.Attempts, Start: now, Duration: end.Sub(now), Response: r, Err: err}
		if err == nil {
			return r, nil
		}
		if res.FirstFailure.IsZero() {
			res.FirstFailure = end
		}
		res.LastFailure = end
		if ctx.Err() != nil {
			// The attempt was cut short by the caller: keep the error of
			// the one before, which says what the collector answered.
			if last == nil {
				last, lastCut = err, true
			}
			return r, backoff.Permanent(errStopped)
		}
		if budget < timeout && timedOut(err) && time.Since(started) >= budget {
			// The cutoff ended the attempt, not the collector's slowness
			// past the request's own timeout: no time is left for another,
			// and its timeout says nothing the error before it did not.
			if last == nil {
				last, lastCut = err, true
			}
			stop = fmt.Sprintf("attempt %d was cut short at %s", res.Attempts, limit)
			return r, backoff.Permanent(errStopped)
		}
		last, lastCut = err, false
		var e *Error
		if !errors.As(err, &e) || !e.Retryable {
			return r, backoff.Permanent(err)
		}
		return r, err
	}

	next := func() time.Duration {
		wait := exp.NextBackOff()
		var e *Error
		if errors.As(last, &e) && e.RetryAfter > 0 {
			wait = e.RetryAfter
		}
		if p.MaxAttempts > 0 && res.Attempts >= p.MaxAttempts {
			stop = fmt.Sprintf("the limit of %d attempts is reached", p.MaxAttempts)
			return backoff.Stop
		}
		if c.now().Add(wait + p.MinAttempt).After(cutoff) {
			stop = fmt.Sprintf("the next wait of %s would leave less than %s before %s",
				wait.Round(time.Millisecond), p.MinAttempt, limit)
			return backoff.Stop
		}
		return wait
	}
	notify := func(_ error, wait time.Duration) {
		report(wait)
		sleeping, sleepStart = true, c.now()
	}

	var timer backoff.Timer
	if c.newTimer != nil {
		timer = c.newTimer()
	}
	b := backoff.WithContext(&backOffFunc{next: next, reset: exp.Reset}, ctx)
	resp, err := backoff.RetryNotifyWithTimerAndData(op, b, notify, timer)
	if sleeping {
		res.Waited += c.now().Sub(sleepStart)
	}
	report(0)
	if err == nil {
		return resp, res, nil
	}
	res.CutShort = last == nil || lastCut
	if ctx.Err() != nil {
		// backoff returns ctx.Err() when ctx ends during a wait; the last
		// real error is what the DLQ needs.
		if last == nil {
			last = &Error{URL: targetOf(req.URL), Retryable: true, Err: errors.New("no attempt was made")}
		}
		return resp, res, fmt.Errorf("%w after %s: %w: %w", ErrRetriesExhausted, attempts(res.Attempts), ctx.Err(), last)
	}
	if stop == "" {
		return resp, res, err // permanent, as Send returned it
	}
	if last == nil {
		last = &Error{URL: targetOf(req.URL), Retryable: true, Err: errors.New("no attempt was made")}
	}
	return resp, res, fmt.Errorf("%w after %s (%s): %w", ErrRetriesExhausted, attempts(res.Attempts), stop, last)
}

// timedOut reports an attempt that got no status because its time ran out.
func timedOut(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == 0 && (errors.Is(e.Err, context.DeadlineExceeded) || isTimeout(e.Err))
}

// errStopped ends the retry loop from inside an attempt; it never reaches
// the caller.
var errStopped = errors.New("stopped")

// backOffFunc adapts the policy's decision to backoff.BackOff.
type backOffFunc struct {
	next  func() time.Duration
	reset func()
}

func (b *backOffFunc) NextBackOff() time.Duration { return b.next() }
func (b *backOffFunc) Reset()                     { b.reset() }

type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

// targetOf returns raw as it may appear in an error.
func targetOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return safeURL(u)
	}
	return "(invalid URL)"
}
