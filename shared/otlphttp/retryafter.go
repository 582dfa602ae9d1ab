package otlphttp

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter caps a Retry-After: a larger value is taken as this, which
// still stops a retry loop that has a deadline.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads a Retry-After value: delta seconds ("120") or an
// HTTP-date, which is measured from now. It returns 0 for an absent,
// malformed or past value: the backoff then decides the wait.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil {
		if secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, maxRetryAfter)
		}
	}
	return 0
}
