package export

import (
	"context"
	"errors"
	"fmt"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
)

// Resender sends dead-lettered requests again with the export Lambda's own
// request building (the collector's encoding, compression, size limit and
// auth headers): otlpfwd dlq redrive uses it.
type Resender struct {
	routes Routes
	send   Sender
	retry  otlphttp.RetryPolicy
}

// NewResender returns a Resender. retry's zero value takes otlphttp's
// defaults.
func NewResender(routes Routes, send Sender, retry otlphttp.RetryPolicy) *Resender {
	return &Resender{routes: routes, send: send, retry: retry}
}

// ErrNotRedrivable is wrapped by Resend for messages that hold no OTLP
// request (undecodable input) or whose collector is not configured.
var ErrNotRedrivable = errors.New("not redrivable")

// Resend delivers the request m holds to the collector named to, or to
// m's own collector when to is "". It returns the items delivered; on error
// nothing may be assumed delivered (send it again or keep the message).
func (r *Resender) Resend(ctx context.Context, m *dlq.Message, to string) (int, error) {
	sig := m.SignalOf()
	if m.Reason == dlq.Undecodable || !sig.Valid() {
		return 0, fmt.Errorf("%w: the message holds undecodable input, not an OTLP request (inspect it with otlpfwd dlq inspect --peek)", ErrNotRedrivable)
	}
	if to == "" {
		to = m.Collector
	}
	table, err := r.routes.Table(ctx)
	if err != nil {
		return 0, fmt.Errorf("load collector routes: %w", err)
	}
	c, ok := table.Get(to)
	if !ok || c.Disabled {
		return 0, fmt.Errorf("%w: collector %q is not configured or is disabled", ErrNotRedrivable, to)
	}
	raw, err := m.Raw()
	if err != nil {
		return 0, err
	}
	parts, err := otlp.Split(sig, raw, c.MaxRequestBytes)
	if err != nil {
		return 0, fmt.Errorf("split %s request for %s: %w", sig, c.Name, err)
	}
	headers := requestHeaders(m.Headers, c.Headers)
	delivered := 0
	for _, p := range parts {
		body, err := encode(c, sig, p.Data)
		if err != nil {
			return delivered, err
		}
		req := otlphttp.Request{URL: c.URL(sig), Signal: sig, Body: body, ContentType: contentType(c),
			ContentEncoding: contentEncoding(c), Headers: headers, Timeout: c.Timeout}
		if _, _, err := r.send.SendWithRetry(ctx, req, r.retry, nil); err != nil {
			return delivered, fmt.Errorf("collector %s: %w", c.Name, err)
		}
		delivered += p.Items
	}
	return delivered, nil
}
