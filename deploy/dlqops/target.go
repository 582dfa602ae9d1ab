package dlqops

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// Target is where Redrive sends dead letters.
type Target interface {
	// Check reports why m cannot be sent, without sending it; the error
	// wraps export.ErrNotRedrivable for a message that holds no OTLP
	// request or names no configured collector.
	Check(ctx context.Context, m *dlq.Message) error
	// Send delivers m and returns the items delivered. On error nothing
	// may be assumed delivered.
	Send(ctx context.Context, m *dlq.Message) (int, error)
	// Describe says where m goes, for progress lines.
	Describe(m *dlq.Message) string
}

// collectorFor finds the collector m goes to (to, or m's own) and checks
// that it may receive m.
func collectorFor(ctx context.Context, routes export.Routes, m *dlq.Message, to string) (*route.Collector, error) {
	sig := m.SignalOf()
	if m.Reason == dlq.Undecodable || !sig.Valid() {
		return nil, fmt.Errorf("%w: it holds undecodable input, not an OTLP request (see it with otlpfwd dlq inspect --peek)", export.ErrNotRedrivable)
	}
	name := to
	if name == "" {
		name = m.Collector
	}
	if name == "" {
		return nil, fmt.Errorf("%w: it names no collector: pass --to-collector NAME", export.ErrNotRedrivable)
	}
	table, err := routes.Table(ctx)
	if err != nil {
		return nil, fmt.Errorf("load collector routes: %w", err)
	}
	c, ok := table.Get(name)
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: collector %q is not configured (configure it, or pass --to-collector NAME)", export.ErrNotRedrivable, name)
	case c.Disabled:
		return nil, fmt.Errorf("%w: collector %q is disabled (enable it, or pass --to-collector NAME)", export.ErrNotRedrivable, name)
	case !c.Wants(sig):
		return nil, fmt.Errorf("%w: collector %q does not receive %s (its signals are %v)", export.ErrNotRedrivable, name, sig, c.Signals)
	}
	return c, nil
}

// allowedHeaders keeps the record headers c may receive. Headers come
// from application code: a message moved to another collector keeps only
// those that collector's pass_headers names.
func allowedHeaders(m *dlq.Message, c *route.Collector) map[string]string {
	if c.Name == m.Collector {
		return m.Headers
	}
	var out map[string]string
	for k, v := range m.Headers {
		if c.AllowsHeader(k) {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// CollectorTarget re-sends dead letters to a collector with the export
// Lambda's own code (export.Resender): its encoding, compression, size
// limit and auth headers.
type CollectorTarget struct {
	routes export.Routes
	rs     *export.Resender
	to     string
}

// NewCollectorTarget sends to the collector named to, or to each
// message's own collector when to is "". retry bounds each send (its
// zero value takes otlphttp's defaults, up to 2 minutes of retries).
// Nothing is written after a resend, so unless retry says otherwise no
// margin is kept before the send's deadline (Redrive's SendBudget): the
// retries may use all of it.
func NewCollectorTarget(routes export.Routes, send export.Sender, retry otlphttp.RetryPolicy, to string) *CollectorTarget {
	if retry.Margin == 0 {
		retry.Margin = -1
	}
	return &CollectorTarget{routes: routes, rs: export.NewResender(routes, send, retry), to: to}
}

// Check implements Target.
func (t *CollectorTarget) Check(ctx context.Context, m *dlq.Message) error {
	_, err := collectorFor(ctx, t.routes, m, t.to)
	return err
}

// Send implements Target.
func (t *CollectorTarget) Send(ctx context.Context, m *dlq.Message) (int, error) {
	c, err := collectorFor(ctx, t.routes, m, t.to)
	if err != nil {
		return 0, err
	}
	cp := *m
	cp.Headers = allowedHeaders(m, c)
	return t.rs.Resend(ctx, &cp, c.Name)
}

// Describe implements Target.
func (t *CollectorTarget) Describe(m *dlq.Message) string {
	if t.to != "" {
		return "collector " + t.to
	}
	return "collector " + m.Collector
}

// maxRecordBytes is a Kinesis record's limit (data and partition key) by
// default.
const maxRecordBytes = 1 << 20

// StreamTarget writes dead letters back into the export stream as tier-2
// records, for the export function to deliver again (with its batching,
// merging and circuit breaker).
type StreamTarget struct {
	api    PutRecordAPI
	stream string
	routes export.Routes
	to     string
	now    func() time.Time
	seq    atomic.Uint64
}

// PartitionBuckets matches ingest's default: records of one collector
// spread over this many partition keys ("collector#0".."#3").
const PartitionBuckets = 4

// NewStreamTarget writes to stream (a name or an ARN). routes, when not
// nil, is used to check that the collector is configured before writing
// (the export function would dead-letter the data again otherwise). to,
// when not "", replaces each message's collector.
func NewStreamTarget(api PutRecordAPI, stream string, routes export.Routes, to string, now func() time.Time) *StreamTarget {
	if now == nil {
		now = time.Now
	}
	return &StreamTarget{api: api, stream: stream, routes: routes, to: to, now: now}
}

// Check implements Target.
func (t *StreamTarget) Check(ctx context.Context, m *dlq.Message) error {
	_, err := t.collector(ctx, m)
	return err
}

// collector checks m against the routes, when there are some, and
// returns the collector name and the headers to write.
func (t *StreamTarget) collector(ctx context.Context, m *dlq.Message) (string, error) {
	if t.routes == nil {
		sig := m.SignalOf()
		if m.Reason == dlq.Undecodable || !sig.Valid() {
			return "", fmt.Errorf("%w: it holds undecodable input, not an OTLP request", export.ErrNotRedrivable)
		}
		name := t.to
		if name == "" {
			name = m.Collector
		}
		if name == "" {
			return "", fmt.Errorf("%w: it names no collector: pass --to-collector NAME", export.ErrNotRedrivable)
		}
		return name, nil
	}
	c, err := collectorFor(ctx, t.routes, m, t.to)
	if err != nil {
		return "", err
	}
	return c.Name, nil
}

// Send implements Target: one record per part of the request that fits a
// Kinesis record.
func (t *StreamTarget) Send(ctx context.Context, m *dlq.Message) (int, error) {
	name, err := t.collector(ctx, m)
	if err != nil {
		return 0, err
	}
	headers := m.Headers
	if t.routes != nil {
		if table, err := t.routes.Table(ctx); err == nil {
			if c, ok := table.Get(name); ok {
				headers = allowedHeaders(m, c)
			}
		}
	}
	raw, err := m.Raw()
	if err != nil {
		return 0, err
	}
	sig := m.SignalOf()
	r := record.Record{Collector: name, Signal: sig, Headers: maps.Clone(headers), Created: t.now()}
	head := record.HeadSize(&r) + 64 // partition key and item fields
	whole := compress.Gzip(nil, raw, compress.DefaultLevel)
	parts := []otlp.Batch{{Data: raw, Items: m.Items}}
	if head+len(whole) > maxRecordBytes {
		// Compression ratios vary: aim well under the limit.
		if parts, err = otlp.Split(sig, raw, (maxRecordBytes-head)*2); err != nil {
			return 0, fmt.Errorf("split %s request: %w", sig, err)
		}
	}
	sent := 0
	for _, p := range parts {
		z := whole
		if len(parts) > 1 {
			z = compress.Gzip(nil, p.Data, compress.DefaultLevel)
		}
		r.Items = []record.Item{{Payload: z, Encoding: record.Gzip, RawSize: len(p.Data), Items: p.Items, LogGroup: m.LogGroup}}
		data := record.Marshal(nil, &r)
		key := name + "#" + strconv.FormatUint(t.seq.Add(1)%PartitionBuckets, 10)
		if len(data)+len(key) > maxRecordBytes {
			return sent, fmt.Errorf("a %d-byte part of the %s request does not fit a Kinesis record (1 MiB): redrive it to the collector instead (without --to-stream)", len(p.Data), sig)
		}
		in := &kinesis.PutRecordInput{Data: data, PartitionKey: aws.String(key)}
		if strings.HasPrefix(t.stream, "arn:") {
			in.StreamARN = aws.String(t.stream)
		} else {
			in.StreamName = aws.String(t.stream)
		}
		if _, err := t.api.PutRecord(ctx, in); err != nil {
			return sent, fmt.Errorf("put record to %s: %w", t.stream, err)
		}
		sent += p.Items
	}
	return sent, nil
}

// Describe implements Target.
func (t *StreamTarget) Describe(m *dlq.Message) string {
	name := t.to
	if name == "" {
		name = m.Collector
	}
	return "stream " + t.stream + " for collector " + name
}
