package otlphttp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrRetriesExhausted is wrapped, together with the last real *Error, by
// SendWithRetry when it stops retrying a retryable failure: out of time
// before the deadline margin, out of attempts, or the context ended.
var ErrRetriesExhausted = errors.New("retries exhausted")

// Error is a failed attempt. Check it with errors.As; Retryable tells a
// transient failure (429, 502, 503, 504, network) from a permanent one.
// Its message names the URL (without userinfo, query or fragment), the
// status and the collector's message, and never a request header value.
type Error struct {
	// URL is the endpoint, without userinfo, query or fragment.
	URL string
	// Status is the HTTP status code; 0 when no response was received.
	Status int
	// Retryable is true for 429, 502, 503, 504 and network errors.
	Retryable bool
	// RetryAfter is the collector's Retry-After on a 429 or 503; 0 if none.
	RetryAfter time.Duration
	// Body is an excerpt of the collector's message: the google.rpc.Status
	// message when the body is protobuf or JSON, else the text.
	Body string
	// Err is the cause when there is no status (a network error, a timeout,
	// the context ending, an invalid request), or the error that cut the
	// reading of an error body short.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("POST ")
	b.WriteString(e.URL)
	b.WriteString(": ")
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d", e.Status)
		if t := http.StatusText(e.Status); t != "" {
			b.WriteString(" ")
			b.WriteString(t)
		}
		if e.Body != "" {
			fmt.Fprintf(&b, ": %q", e.Body)
		}
		if e.Err != nil {
			b.WriteString(": ")
		}
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	switch {
	case e.Retryable && e.RetryAfter > 0:
		fmt.Fprintf(&b, " (retryable, retry after %s)", e.RetryAfter)
	case e.Retryable:
		b.WriteString(" (retryable)")
	case e.Status == 0 && (errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, context.DeadlineExceeded)):
		// The caller gave up; the collector's answer is unknown.
	default:
		b.WriteString(" (permanent)")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// safeURL returns raw without its userinfo, query and fragment, which may
// carry credentials, for use in error messages.
func safeURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	c.ForceQuery = false
	c.Fragment = ""
	c.RawFragment = ""
	return c.String()
}

// isRetryableStatus reports the OTLP/HTTP retryable statuses.
func isRetryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}
