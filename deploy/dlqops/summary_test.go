package dlqops

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
)

func TestWhy(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&otlphttp.Error{URL: "http://c/v1/traces", Status: 400, Body: "bad"}, "collector c: HTTP 400 Bad Request"},
		{fmt.Errorf("collector c: %w", errors.Join(otlphttp.ErrRetriesExhausted, &otlphttp.Error{Status: 503, Retryable: true})), "collector c: HTTP 503 Service Unavailable (retries exhausted)"},
		{&otlphttp.Error{URL: "http://c", Err: fmt.Errorf("dial: %w", errors.New("connection refused"))}, "collector c: no answer (connection refused)"},
		{fmt.Errorf("%w: collector \"x\" is not configured", export.ErrNotRedrivable), `collector "x" is not configured`},
		{context.DeadlineExceeded, "collector c: context deadline exceeded"},
	} {
		if got := why("collector c", c.err); got != c.want {
			t.Errorf("why(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestRedriveOptionsCheck(t *testing.T) {
	for _, o := range []RedriveOptions{
		{Lease: 13 * time.Hour},
		{Lease: 30 * time.Second, SendBudget: 25 * time.Second},
	} {
		if err := o.defaults(); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	var o RedriveOptions
	if err := o.defaults(); err != nil || o.SendBudget != 150*time.Second || o.Lease != 5*time.Minute {
		t.Fatalf("defaults: %+v %v", o, err)
	}
}
