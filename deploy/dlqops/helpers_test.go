package dlqops

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/slim/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/slim/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otlpfwd/otlpfwd/deploy/local"
	"github.com/otlpfwd/otlpfwd/deploy/svc/svctest"
	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/shared/aws/queue"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/fixture/synth"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// env is a moto server with the pipeline's streams and queues.
type env struct {
	aws *local.AWS
	st  *local.Stack
}

func newEnv(t *testing.T) *env {
	t.Helper()
	m := svctest.Moto(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := local.NewAWS(ctx, m.URL(), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	st, err := a.Provision(ctx, local.Spec{Name: "pipe", RawShards: 1, ExportShards: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &env{aws: a, st: st}
}

// status is an httptest collector that answers every request with code.
func status(t *testing.T, code int) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		http.Error(w, "refused by the test", code)
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// routes is a routing table of the given collectors, through route.Cached
// as the Lambdas build it.
func routes(cs ...route.Collector) *route.Cached {
	return route.NewCached(route.StaticSource(cs), route.CacheOptions{})
}

// batch is tier-2 records of synthetic telemetry and their test ids.
type batch struct {
	recs []record.Record
	ids  []string
}

// add appends one record of n items of sig for collector, tagged tag.
func (b *batch) add(collector string, sig otlp.Signal, tag string, n int) {
	raw := synth.Request(sig, "svc-"+tag, tag, n, 6)
	b.addRaw(collector, sig, raw)
}

func (b *batch) addRaw(collector string, sig otlp.Signal, raw []byte) {
	ids, err := fixture.TestIDs(sig, raw)
	if err != nil {
		panic(err)
	}
	b.ids = append(b.ids, ids...)
	b.recs = append(b.recs, record.Record{Collector: collector, Signal: sig, Items: []record.Item{{
		Payload: raw, RawSize: len(raw), Items: len(ids), Source: "svc", LogGroup: "/aws/lambda/svc",
		LogStream: "2026/11/24/[$LATEST]abc", Owner: local.MotoAccount, Region: "us-east-1",
	}}})
}

// sorted returns the batch's ids, sorted.
func (b *batch) sorted() []string {
	ids := slices.Clone(b.ids)
	slices.Sort(ids)
	return ids
}

// bigSpan is a trace request of one span with an incompressible attribute
// of size bytes, larger than a DLQ message: its dead letter is chunked.
func bigSpan(tag string, size int) []byte {
	junk := make([]byte, size/2)
	_, _ = rand.Read(junk)
	now := uint64(time.Now().UnixNano())
	req := &coltrace.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{str("service.name", "big")}},
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{
			TraceId: bytes.Repeat([]byte{1}, 16), SpanId: bytes.Repeat([]byte{2}, 8), Name: "big",
			StartTimeUnixNano: now, EndTimeUnixNano: now + 1e6,
			Attributes: []*commonpb.KeyValue{str(fixture.TestIDKey, tag), str("junk", hex.EncodeToString(junk))},
		}}}},
	}}}
	b, err := proto.Marshal(req)
	if err != nil {
		panic(err)
	}
	return b
}

func str(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

// event shapes records (and raw garbage) as one shard batch of the export
// stream.
func event(recs []record.Record, garbage ...[]byte) events.KinesisEvent {
	var ev events.KinesisEvent
	add := func(data []byte, key string) {
		seq := fmt.Sprintf("4960%04d", len(ev.Records))
		ev.Records = append(ev.Records, events.KinesisEventRecord{
			EventID: "shardId-000000000000:" + seq, EventSourceArn: "arn:aws:kinesis:us-east-1:123456789012:stream/pipe-export",
			Kinesis: events.KinesisRecord{SequenceNumber: seq, Data: data, PartitionKey: key},
		})
	}
	for i := range recs {
		add(record.Marshal(nil, &recs[i]), recs[i].Collector+"#0")
	}
	for _, g := range garbage {
		add(g, "garbage")
	}
	return ev
}

// fastRetry keeps dead-lettering quick.
var fastRetry = otlphttp.RetryPolicy{InitialInterval: 5 * time.Millisecond, MaxInterval: 20 * time.Millisecond, MaxAttempts: 2}

// deadLetter runs one export handler over the events with the given
// collectors, writing its dead letters to the DLQ in moto, at most
// maxBody bytes each. It returns the items dead-lettered.
func (e *env) deadLetter(t *testing.T, cs []route.Collector, maxBody int, breaker export.BreakerOptions, evs ...events.KinesisEvent) int {
	t.Helper()
	h, err := export.New(routes(cs...), otlphttp.NewClient(otlphttp.Options{Timeout: 5 * time.Second}),
		queue.NewWriter(e.aws.SQS, e.st.DLQURL, queue.Options{MaxBatchBytes: maxBody}),
		export.Options{Retry: fastRetry, Margin: 100 * time.Millisecond, DLQMaxMessageBytes: maxBody, Breaker: breaker})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		resp, stats, err := h.Process(ctx, ev)
		cancel()
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("export: %v %v", err, resp.BatchItemFailures)
		}
		n += stats.DeadLettered
	}
	return n
}

// depth returns the queue's total depth.
func (e *env) depth(t *testing.T) Depth {
	t.Helper()
	d, err := GetDepth(context.Background(), e.aws.SQS, e.st.DLQURL)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// recordingSQS counts, per message id, the DeleteMessage calls that
// reached SQS (moto accepts a second delete silently, so SQS cannot tell).
type recordingSQS struct {
	*sqs.Client
	mu      sync.Mutex
	idOf    map[string]string // receipt handle -> message id
	deletes map[string]int
}

func newRecordingSQS(c *sqs.Client) *recordingSQS {
	return &recordingSQS{Client: c, idOf: map[string]string{}, deletes: map[string]int{}}
}

func (r *recordingSQS) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, o ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	out, err := r.Client.ReceiveMessage(ctx, in, o...)
	if err == nil {
		r.mu.Lock()
		for _, m := range out.Messages {
			r.idOf[aws.ToString(m.ReceiptHandle)] = aws.ToString(m.MessageId)
		}
		r.mu.Unlock()
	}
	return out, err
}

func (r *recordingSQS) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, o ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	r.mu.Lock()
	r.deletes[r.idOf[aws.ToString(in.ReceiptHandle)]]++
	r.mu.Unlock()
	return r.Client.DeleteMessage(ctx, in, o...)
}

func (r *recordingSQS) deleted() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.deletes {
		out[k] = v
	}
	return out
}

// mustRaw returns the request of the batch's only record.
func mustRaw(t *testing.T, b *batch) []byte {
	t.Helper()
	if len(b.recs) != 1 {
		t.Fatalf("%d records", len(b.recs))
	}
	return b.recs[0].Items[0].Payload
}
