package export

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
	"github.com/otlpfwd/otlpfwd/shared/record"
)

// groupResult is what delivering one group did.
type groupResult struct {
	requests    int
	bytesOut    int
	delivered   int
	rejected    int64
	attempts    int
	waited      time.Duration
	circuitOpen bool
	dead        []deadLetter
}

// deliver sends one group to its collector and returns what could not be
// delivered as dead letters.
func (b *batch) deliver(ctx context.Context, g *group) groupResult {
	var r groupResult
	c, ok := b.table.Get(g.collector)
	if !ok || c.Disabled {
		why := fmt.Sprintf("collector %q is not configured", g.collector)
		if ok {
			why = fmt.Sprintf("collector %q is disabled", g.collector)
		}
		b.deadGroup(g, &r, nil, dlq.Permanent, why+": redrive once it is configured and enabled")
		return r
	}
	reqs, bad, err := build(c, g)
	for _, x := range bad {
		r.dead = append(r.dead, b.deadItem(g, x))
	}
	if err != nil {
		b.deadGroup(g, &r, bad, dlq.Permanent, err.Error())
		return r
	}
	headers := requestHeaders(g.headers, c.Headers)
	for _, req := range reqs {
		ok, probe := b.h.breakers.allow(c.Name)
		if !ok {
			r.circuitOpen = true
			r.dead = append(r.dead, b.deadRequest(g, req, failure{reason: dlq.CircuitOpen,
				err: fmt.Errorf("circuit open for collector %s after repeated failures; not attempted (redrive once it recovers)", c.Name)})...)
			continue
		}
		if req.body == nil {
			body, err := encode(c, g.signal, req.raw)
			if err != nil {
				b.h.breakers.release(c.Name, probe) // not sent: no answer
				r.dead = append(r.dead, b.deadRequest(g, req, failure{reason: dlq.Permanent, err: err})...)
				continue
			}
			req.body = body
		}
		r.requests++
		r.bytesOut += len(req.body)
		hreq := otlphttp.Request{URL: c.URL(g.signal), Signal: g.signal, Body: req.body,
			ContentType: contentType(c), ContentEncoding: contentEncoding(c), Headers: headers, Timeout: c.Timeout}
		resp, res, err := b.h.sender(c).SendWithRetry(ctx, hreq, b.h.opts.Retry, nil)
		r.attempts += res.Attempts
		r.waited += res.Waited
		if err == nil {
			b.h.breakers.record(c.Name, true)
			r.delivered += req.items
			if ps := resp.PartialSuccess; ps.Rejected > 0 {
				r.rejected += ps.Rejected
				b.h.opts.Logger.Warn("collector rejected part of a request (partial success; not retried)",
					"collector", c.Name, "signal", g.signal.String(), "rejected", ps.Rejected, "err", ps.Message)
			}
			continue
		}
		f := classify(err, res)
		if f.answered {
			b.h.breakers.record(c.Name, !f.unhealthy)
		} else {
			b.h.breakers.release(c.Name, probe)
		}
		r.dead = append(r.dead, b.deadRequest(g, req, f)...)
	}
	return r
}

// requestHeaders returns the headers of a request: the passed record
// headers, then the collector's configured ones, which always win. HTTP
// header names ignore case, so a passed header is dropped whenever its
// name matches a configured one in any case ("x-scope-orgid" can never
// stand in for a configured "X-Scope-OrgID"); names are canonical.
func requestHeaders(passed map[string]string, configured map[string]string) map[string]string {
	out := make(map[string]string, len(passed)+len(configured))
	for k, v := range passed {
		out[http.CanonicalHeaderKey(k)] = v
	}
	for k, v := range configured {
		out[http.CanonicalHeaderKey(k)] = v
	}
	return out
}

// failure is why a request went to the DLQ.
type failure struct {
	reason    dlq.Reason
	status    int
	excerpt   string
	err       error
	res       otlphttp.Result
	answered  bool // the collector answered: its circuit learns of it
	unhealthy bool // counts against the collector's circuit
}

// classify maps a send error to a DLQ reason: retries_exhausted when the
// client gave up on a retryable failure, else permanent. Failures that say
// the collector is unwell (not one bad request) count against its circuit;
// failures that hold no answer of the collector's (no attempt made, or
// attempts our own deadline cut short) are not its fault and do not count
// at all.
func classify(err error, res otlphttp.Result) failure {
	f := failure{reason: dlq.Permanent, err: err, res: res}
	var e *otlphttp.Error
	if errors.As(err, &e) {
		f.status = e.Status
		f.excerpt = e.Body
	}
	f.answered = res.Attempts > 0 && !res.CutShort
	if errors.Is(err, otlphttp.ErrRetriesExhausted) {
		f.reason, f.unhealthy = dlq.RetriesExhausted, f.answered
		return f
	}
	f.unhealthy = f.answered && (f.status >= 500 || f.status == 401 || f.status == 403 || f.status == 404)
	return f
}

// deadRequest makes the dead letters for one request: one, holding the
// request uncompressed. A passthrough body that does not inflate (a
// damaged gzip member, which is also why the collector refused it) is
// taken apart item by item: each good item is dead-lettered for the
// request's failure (and can be redriven), each damaged one alone as
// undecodable with its bytes as they came. Should that not be possible
// (a request holding parts of a split item), the dead letter holds the
// body as it was sent, as undecodable: never an empty payload.
func (b *batch) deadRequest(g *group, req request, f failure) []deadLetter {
	raw := req.raw
	if raw != nil {
		return []deadLetter{b.newDead(g, raw, req.items, f)}
	}
	raw, err := compress.Gunzip(nil, req.body, maxItemInflated)
	if err == nil {
		return []deadLetter{b.newDead(g, raw, req.items, f)}
	}
	if len(req.entries) > 0 && !req.mixed {
		out := make([]deadLetter, 0, len(req.entries))
		for _, e := range req.entries {
			raw, err := inflate(e.item)
			if err != nil {
				out = append(out, b.deadItem(g, badItem{e: e, err: err}))
				continue
			}
			d := b.newDead(g, raw, e.item.Items, f)
			d.recs = []int{e.rec}
			out = append(out, d)
		}
		return out
	}
	why := fmt.Errorf("the request body could not be inflated for the dead letter (%w): the payload holds the gzip body as it was sent", err)
	if f.err != nil {
		why = fmt.Errorf("%w; then %w", f.err, why)
	}
	f.reason, f.err = dlq.Undecodable, why
	d := b.newDead(g, nil, req.items, f)
	d.raw = req.body
	return []deadLetter{d}
}

// deadGroup dead-letters every item of a group for one reason, but those
// of done, already dead-lettered.
func (b *batch) deadGroup(g *group, r *groupResult, done []badItem, reason dlq.Reason, why string) {
	skip := make(map[*record.Item]bool, len(done))
	for _, x := range done {
		skip[x.e.item] = true
	}
	for _, e := range g.entries {
		if skip[e.item] {
			continue
		}
		raw, err := inflate(e.item)
		if err != nil {
			r.dead = append(r.dead, b.deadItem(g, badItem{e: e, err: err}))
			continue
		}
		d := b.newDead(g, raw, e.item.Items, failure{reason: reason, err: errors.New(why)})
		d.recs = []int{e.rec}
		r.dead = append(r.dead, d)
	}
}

// deadItem dead-letters a tier-2 item whose payload cannot be read.
func (b *batch) deadItem(g *group, x badItem) deadLetter {
	d := b.newDead(g, nil, x.e.item.Items, failure{reason: dlq.Undecodable, err: fmt.Errorf("tier-2 payload for collector %s: %w", g.collector, x.err)})
	d.raw = x.e.item.Payload
	d.recs = []int{x.e.rec}
	return d
}
