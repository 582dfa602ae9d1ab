package export

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/aws/fake"
	"github.com/otlpfwd/otlpfwd/shared/aws/queue"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

type routes struct{ t *route.Table }

func (r routes) Table(context.Context) (*route.Table, error) { return r.t, nil }

func table(t *testing.T, cs ...route.Collector) routes {
	t.Helper()
	tb, err := route.NewTable(cs)
	if err != nil {
		t.Fatal(err)
	}
	return routes{tb}
}

type harness struct {
	sqs *fake.SQS
	h   *Handler
}

// fastRetry keeps tests quick: tiny waits, a handful of attempts.
var fastRetry = otlphttp.RetryPolicy{InitialInterval: 5 * time.Millisecond, MaxInterval: 20 * time.Millisecond, MaxAttempts: 3}

func newHarness(t *testing.T, r routes, opts Options) *harness {
	t.Helper()
	q := &fake.SQS{}
	if opts.Retry == (otlphttp.RetryPolicy{}) {
		opts.Retry = fastRetry
	}
	if opts.Margin == 0 {
		opts.Margin = 100 * time.Millisecond
	}
	h, err := New(r, otlphttp.NewClient(otlphttp.Options{Timeout: 2 * time.Second}), queue.NewWriter(q, "http://sqs/dlq", queue.Options{InitialInterval: time.Millisecond, MaxAttempts: 2}), opts)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{sqs: q, h: h}
}

func (hs *harness) deadLetters(t *testing.T) []*dlq.Message {
	t.Helper()
	var out []*dlq.Message
	for _, b := range hs.sqs.Bodies() {
		m, err := dlq.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// deadIDs returns the sorted test ids in dead letters of one collector.
func deadIDs(t *testing.T, msgs []*dlq.Message, collector string) []string {
	t.Helper()
	var ids []string
	for _, m := range msgs {
		if m.Collector != collector {
			continue
		}
		raw, err := m.Raw()
		if err != nil {
			t.Fatal(err)
		}
		got, err := fixture.TestIDs(m.SignalOf(), raw)
		if err != nil {
			t.Fatalf("dead letter is not a valid %s request: %v", m.Signal, err)
		}
		if len(got) != m.Items {
			t.Fatalf("dead letter says %d items, holds %d", m.Items, len(got))
		}
		ids = append(ids, got...)
	}
	sort.Strings(ids)
	return ids
}

// payload is one envelope fixture line decoded as ingest would.
type payload struct {
	sig otlp.Signal
	it  record.Item
	ids []string
}

// payloads decodes every line of the envelope fixtures given.
func payloads(t *testing.T, names ...string) []payload {
	t.Helper()
	var out []payload
	for _, name := range names {
		sc := bufio.NewScanner(bytes.NewReader(fixture.Read(t, name)))
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			m, err := otlpstdout.Decode(sc.Bytes(), otlpstdout.Options{})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			ids, err := fixture.TestIDs(m.Signal, m.Proto)
			if err != nil {
				t.Fatal(err)
			}
			it := record.Item{Payload: m.Proto, RawSize: len(m.Proto), Items: len(ids), Source: m.Source,
				LogGroup: "/aws/lambda/" + m.Source, LogStream: "2026/11/24/[$LATEST]abc", Owner: "123456789012", Region: "eu-west-1"}
			if m.Gzip != nil {
				it.Payload, it.Encoding = m.Gzip, record.Gzip
			}
			out = append(out, payload{sig: m.Signal, it: it, ids: ids})
		}
	}
	return out
}

// event builds a shard batch: one tier-2 record per collector and signal
// per payload, in order.
func event(t *testing.T, collectors []string, ps []payload) events.KinesisEvent {
	t.Helper()
	var ev events.KinesisEvent
	for i, p := range ps {
		for _, c := range collectors {
			r := record.Record{Collector: c, Signal: p.sig, Items: []record.Item{p.it}}
			seq := fmt.Sprintf("4960%04d", len(ev.Records))
			ev.Records = append(ev.Records, events.KinesisEventRecord{
				EventID: "shardId-000000000001:" + seq, EventSourceArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/export",
				Kinesis: events.KinesisRecord{SequenceNumber: seq, Data: record.Marshal(nil, &r), PartitionKey: c + "#0"},
			})
			_ = i
		}
	}
	return ev
}

func allIDs(ps []payload, sig otlp.Signal) []string {
	var ids []string
	for _, p := range ps {
		if p.sig == sig {
			ids = append(ids, p.ids...)
		}
	}
	sort.Strings(ids)
	return ids
}
