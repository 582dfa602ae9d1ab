package export

import (
	"context"
	"errors"

	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"google.golang.org/protobuf/proto"

	tracepb "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

var allSignals = []string{
	"envelope/v0.17.3-multi-service.jsonl", "envelope/v0.17.3-gzip6.jsonl", "envelope/old-json-object.jsonl",
	"envelope/metrics-protobuf-gzip.jsonl", "envelope/metrics-json.jsonl", "envelope/logs-protobuf-gzip.jsonl", "envelope/logs-json.jsonl",
}

func coll(name, url string) route.Collector {
	return route.Collector{Name: name, Endpoint: url, Headers: route.Headers{"authorization": "Bearer secret-" + name}}
}

// The collector receives exactly the items sent, no more, no fewer, in
// fewer resources than it was sent in (identical resources merged), with
// the AWS attributes added and its auth header on every request.
func TestMergeDeliversExactly(t *testing.T) {
	col := newCollector(t)
	ps := payloads(t, allSignals...)
	hs := newHarness(t, table(t, coll("main", col.URL)), Options{})
	resp, st, err := hs.h.Process(context.Background(), event(t, []string{"main"}, ps))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("err %v failures %v", err, resp.BatchItemFailures)
	}
	for _, sig := range otlp.Signals {
		want := allIDs(ps, sig)
		if got := col.got(sig); !slices.Equal(got, want) {
			t.Fatalf("%s: collector got %d items %v\nwant %d %v", sig, len(got), got, len(want), want)
		}
	}
	reqs := col.received()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want one per signal", len(reqs))
	}
	for _, r := range reqs {
		if r.headers.Get("Authorization") != "Bearer secret-main" || r.encoding != "gzip" || r.ctype != "application/x-protobuf" {
			t.Fatalf("request headers %v", r.headers)
		}
	}
	// Traces: 5 payloads from 3 services -> 3 resources after merging.
	var req tracepb.ExportTraceServiceRequest
	for _, r := range reqs {
		if r.signal == otlp.Traces {
			if err := proto.Unmarshal(r.raw, &req); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := len(req.ResourceSpans); n >= 5 || n == 0 {
		t.Fatalf("%d resource spans, want identical resources merged below 5", n)
	}
	for _, rs := range req.ResourceSpans {
		attrs := map[string]string{}
		for _, kv := range rs.Resource.Attributes {
			attrs[kv.Key] = kv.Value.GetStringValue()
			if kv.Key == "aws.log.group.names" {
				attrs[kv.Key] = kv.Value.GetArrayValue().GetValues()[0].GetStringValue()
			}
		}
		// The apps set cloud.region themselves (us-east-1 for
		// checkout-api): it is kept, not overwritten with the record's
		// eu-west-1; the log group is added.
		if attrs["service.name"] == "checkout-api" && attrs["cloud.region"] != "us-east-1" ||
			attrs["aws.log.group.names"] != "/aws/lambda/"+attrs["service.name"] || attrs["service.name"] == "" {
			t.Fatalf("resource attributes %v: want the AWS enrichment beside the app's own", attrs)
		}
	}
	if st.Delivered != st.Items || st.DeadLettered != 0 {
		t.Fatalf("stats: delivered %d of %d, dead %d", st.Delivered, st.Items, st.DeadLettered)
	}
}

// One collector succeeds, the other refuses (400): the first has every item,
// the DLQ has exactly the second's, with the status and reason, and the
// batch is not retried.
func TestFanOutOneFails(t *testing.T) {
	good, bad := newCollector(t), newCollector(t, 400, 400, 400)
	ps := payloads(t, "envelope/v0.17.3-multi-service.jsonl", "envelope/metrics-protobuf-gzip.jsonl", "envelope/logs-json.jsonl")
	hs := newHarness(t, table(t, coll("good", good.URL), coll("bad", bad.URL)), Options{})
	ev := event(t, []string{"good", "bad"}, ps)
	resp, st, err := hs.h.Process(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("err %v failures %v", err, resp.BatchItemFailures)
	}
	var all, dead []string
	for _, sig := range otlp.Signals {
		all = append(all, allIDs(ps, sig)...)
		if got, want := good.got(sig), allIDs(ps, sig); !slices.Equal(got, want) {
			t.Fatalf("good collector %s: got %v want %v", sig, got, want)
		}
	}
	slices.Sort(all)
	msgs := hs.deadLetters(t)
	dead = deadIDs(t, msgs, "bad")
	if !slices.Equal(dead, all) {
		t.Fatalf("dead letters hold %v\nwant %v", dead, all)
	}
	for _, m := range msgs {
		if m.Reason != dlq.Permanent || m.Status != 400 || m.Attempts != 1 || !strings.Contains(m.BodyExcerpt, "injected failure") ||
			m.Source.Shard != "shardId-000000000001" || m.Source.FirstSeq == "" {
			t.Fatalf("dead letter metadata %+v", m)
		}
		if len(m.Headers) != 0 {
			t.Fatalf("dead letter carries headers %v: the collector's auth must never be stored", m.Headers)
		}
	}
	if st.Collectors["bad"].DeadLettered != len(all) || st.Collectors["good"].Delivered != len(all) {
		t.Fatalf("per-collector stats good %+v bad %+v", st.Collectors["good"], st.Collectors["bad"])
	}
}

// 503 then 200: retried, delivered once.
func TestRetryThenDeliver(t *testing.T) {
	col := newCollector(t, 503, 503)
	ps := payloads(t, "envelope/v0.17.3-gzip1.jsonl")
	hs := newHarness(t, table(t, coll("c", col.URL)), Options{})
	_, st, err := hs.h.Process(context.Background(), event(t, []string{"c"}, ps))
	if err != nil {
		t.Fatal(err)
	}
	if got := col.got(otlp.Traces); !slices.Equal(got, allIDs(ps, otlp.Traces)) || st.Attempts != 3 || len(hs.sqs.Bodies()) != 0 {
		t.Fatalf("got %v after %d attempts, %d dead letters", got, st.Attempts, len(hs.sqs.Bodies()))
	}
}

// Retries exhausted on a collector that keeps answering 503: the DLQ gets
// the data with reason retries_exhausted.
func TestRetriesExhausted(t *testing.T) {
	col := newCollector(t, 503, 503, 503, 503, 503, 503)
	ps := payloads(t, "envelope/v0.17.3-gzip1.jsonl")
	hs := newHarness(t, table(t, coll("c", col.URL)), Options{})
	resp, _, err := hs.h.Process(context.Background(), event(t, []string{"c"}, ps))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("err %v failures %v", err, resp.BatchItemFailures)
	}
	msgs := hs.deadLetters(t)
	if len(msgs) != 1 || msgs[0].Reason != dlq.RetriesExhausted || msgs[0].Status != 503 || msgs[0].Attempts != 3 {
		t.Fatalf("dead letters %+v", msgs)
	}
	if got := deadIDs(t, msgs, "c"); !slices.Equal(got, allIDs(ps, otlp.Traces)) {
		t.Fatalf("dead letter ids %v", got)
	}
}

// When neither the collector nor the DLQ takes the data, exactly the
// records holding it are reported, so Lambda retries from the lowest.
func TestDLQFailureReportsRecords(t *testing.T) {
	good, bad := newCollector(t), newCollector(t, 400, 400, 400, 400)
	ps := payloads(t, "envelope/v0.17.3-multi-service.jsonl")
	hs := newHarness(t, table(t, coll("good", good.URL), coll("bad", bad.URL)), Options{})
	hs.sqs.SendMessageBatchFn = func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
		return nil, errors.New("sqs unavailable")
	}
	ev := event(t, []string{"good", "bad"}, ps)
	resp, _, err := hs.h.Process(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, f := range resp.BatchItemFailures {
		got = append(got, f.ItemIdentifier)
	}
	for _, r := range ev.Records {
		if strings.HasPrefix(r.Kinesis.PartitionKey, "bad#") {
			want = append(want, r.Kinesis.SequenceNumber)
		}
	}
	if !slices.Equal(got, want) || len(want) == 0 {
		t.Fatalf("BatchItemFailures %v, want the bad collector's records %v", got, want)
	}
}

// A payload bigger than max_request_bytes goes out as several valid
// requests, each within the limit, together holding every span; and a DLQ
// limit below the request size splits dead letters into valid requests.
func TestSplitOversized(t *testing.T) {
	ps := payloads(t, "envelope/v0.17.3-multi-service.jsonl", "envelope/v0.17.3-gzip6.jsonl")
	var total int
	for _, p := range ps {
		total += p.it.RawSize
	}
	max := total / 4
	col := newCollector(t)
	c := coll("c", col.URL)
	c.MaxRequestBytes = max
	hs := newHarness(t, table(t, c), Options{})
	if _, _, err := hs.h.Process(context.Background(), event(t, []string{"c"}, ps)); err != nil {
		t.Fatal(err)
	}
	reqs := col.received()
	if len(reqs) < 4 {
		t.Fatalf("%d requests for %d bytes at %d max", len(reqs), total, max)
	}
	for _, r := range reqs {
		if len(r.raw) > max {
			t.Fatalf("request of %d bytes exceeds max_request_bytes %d", len(r.raw), max)
		}
	}
	if got := col.got(otlp.Traces); !slices.Equal(got, allIDs(ps, otlp.Traces)) {
		t.Fatalf("split requests hold %v", got)
	}

	bad := newCollector(t, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400)
	hs = newHarness(t, table(t, coll("bad", bad.URL)), Options{DLQMaxMessageBytes: 3000})
	if _, _, err := hs.h.Process(context.Background(), event(t, []string{"bad"}, ps)); err != nil {
		t.Fatal(err)
	}
	msgs := hs.deadLetters(t)
	if len(msgs) < 3 {
		t.Fatalf("%d dead letters, want the request split", len(msgs))
	}
	for _, b := range hs.sqs.Bodies() {
		if len(b) > 3000 {
			t.Fatalf("dead letter of %d bytes exceeds 3000", len(b))
		}
	}
	if got := deadIDs(t, msgs, "bad"); !slices.Equal(got, allIDs(ps, otlp.Traces)) {
		t.Fatalf("split dead letters hold %v", got)
	}
}

// A collector that refuses connections trips the breaker: later requests
// go straight to the DLQ as circuit_open, without attempts, until the
// cooldown passes and a probe succeeds.
func TestCircuitBreaker(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	ps := payloads(t, "envelope/v0.17.3-multi-service.jsonl")
	c := coll("down", "http://"+addr)
	c.MaxRequestBytes = 4000 // one request per payload
	hs := newHarness(t, table(t, c), Options{Breaker: BreakerOptions{Failures: 2, Cooldown: time.Minute}, Now: clock,
		Retry: fastRetry})
	_, _, err = hs.h.Process(context.Background(), event(t, []string{"down"}, ps))
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[dlq.Reason]int{}
	for _, m := range hs.deadLetters(t) {
		reasons[m.Reason]++
		if m.Reason == dlq.CircuitOpen && m.Attempts != 0 {
			t.Fatalf("circuit_open letter with %d attempts", m.Attempts)
		}
	}
	if reasons[dlq.RetriesExhausted] != 2 || reasons[dlq.CircuitOpen] != 1 {
		t.Fatalf("reasons %v: want 2 retries_exhausted then 1 circuit_open", reasons)
	}
	// The collector comes back on the same address; after the cooldown a
	// probe goes through and closes the circuit.
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		// Nothing else binds loopback ports here between Close and
		// Listen; if something did, the recovery half must not pass unseen.
		t.Fatalf("cannot rebind %s for the recovered collector: %v", addr, err)
	}
	col := newCollectorOn(t, ln)
	now = now.Add(2 * time.Minute)
	hs.sqs = nil
	_, st, err := hs.h.Process(context.Background(), event(t, []string{"down"}, ps))
	if err != nil {
		t.Fatal(err)
	}
	if st.Delivered != st.Items || !slices.Equal(col.got(otlp.Traces), allIDs(ps, otlp.Traces)) {
		t.Fatalf("after recovery delivered %d of %d", st.Delivered, st.Items)
	}
}

// Passthrough forwards the applications' gzip bytes: the body is their
// concatenation, decoding to exactly the spans, without enrichment.
func TestPassthrough(t *testing.T) {
	col := newCollector(t)
	c := coll("p", col.URL)
	c.Mode = route.ModePassthrough
	ps := payloads(t, "envelope/v0.17.3-multi-service.jsonl", "envelope/old-json-object.jsonl")
	hs := newHarness(t, table(t, c), Options{})
	if _, _, err := hs.h.Process(context.Background(), event(t, []string{"p"}, ps)); err != nil {
		t.Fatal(err)
	}
	reqs := col.received()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	var want int
	for _, p := range ps {
		if p.it.Encoding == record.Gzip {
			want += len(p.it.Payload)
		}
	}
	if reqs[0].body < want {
		t.Fatalf("body %d bytes, less than the %d gzip bytes passed through", reqs[0].body, want)
	}
	if got := col.got(otlp.Traces); !slices.Equal(got, allIDs(ps, otlp.Traces)) {
		t.Fatalf("got %v", got)
	}
	if strings.Contains(string(reqs[0].raw), "aws.log.group.names") {
		t.Fatal("passthrough added resource attributes")
	}
}

// JSON encoding and zstd compression per collector.
func TestEncodingsPerCollector(t *testing.T) {
	js, zs := newCollector(t), newCollector(t)
	cj := coll("json", js.URL)
	cj.Encoding = route.EncodingJSON
	cz := coll("zstd", zs.URL)
	cz.Compression = route.CompressionZstd
	ps := payloads(t, allSignals...)
	hs := newHarness(t, table(t, cj, cz), Options{})
	if _, _, err := hs.h.Process(context.Background(), event(t, []string{"json", "zstd"}, ps)); err != nil {
		t.Fatal(err)
	}
	for _, sig := range otlp.Signals {
		if !slices.Equal(js.got(sig), allIDs(ps, sig)) || !slices.Equal(zs.got(sig), allIDs(ps, sig)) {
			t.Fatalf("%s: json got %d, zstd got %d, want %d", sig, len(js.got(sig)), len(zs.got(sig)), len(allIDs(ps, sig)))
		}
	}
	for _, r := range js.received() {
		if r.ctype != "application/json" {
			t.Fatalf("json collector got %s", r.ctype)
		}
	}
	for _, r := range zs.received() {
		if r.encoding != "zstd" {
			t.Fatalf("zstd collector got encoding %q", r.encoding)
		}
	}
}

// Records for a collector no longer configured, and records that are not
// tier-2 at all, go to the DLQ; nothing is retried.
func TestUnknownCollectorAndUndecodable(t *testing.T) {
	col := newCollector(t)
	ps := payloads(t, "envelope/v0.17.3-gzip2.jsonl")
	hs := newHarness(t, table(t, coll("known", col.URL)), Options{})
	ev := event(t, []string{"gone"}, ps)
	junk := ev.Records[0]
	junk.Kinesis.SequenceNumber = "49609999"
	junk.Kinesis.Data = []byte("not a tier-2 record")
	ev.Records = append(ev.Records, junk)
	resp, st, err := hs.h.Process(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("err %v failures %v", err, resp.BatchItemFailures)
	}
	msgs := hs.deadLetters(t)
	reasons := map[dlq.Reason]int{}
	for _, m := range msgs {
		reasons[m.Reason]++
	}
	if reasons[dlq.Permanent] != 1 || reasons[dlq.Undecodable] != 1 || st.Undecodable != 1 {
		t.Fatalf("reasons %v", reasons)
	}
	if got := deadIDs(t, msgs, "gone"); !slices.Equal(got, allIDs(ps, otlp.Traces)) {
		t.Fatalf("dead ids %v", got)
	}
	for _, m := range msgs {
		if m.Reason == dlq.Undecodable {
			raw, _ := m.Raw()
			if string(raw) != "not a tier-2 record" || m.Source.FirstSeq != "49609999" {
				t.Fatalf("undecodable letter holds %q for %s", raw, m.Source.FirstSeq)
			}
		}
	}
}

// A collector slower than the Lambda deadline: the handler gives up in
// time to write the DLQ and returns before the deadline.
func TestSlowCollectorHitsDeadline(t *testing.T) {
	slow := newSlowCollector(t, 5*time.Second)
	ps := payloads(t, "envelope/v0.17.3-gzip3.jsonl")
	hs := newHarness(t, table(t, coll("slow", slow.URL)), Options{Margin: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	resp, _, err := hs.h.Process(ctx, event(t, []string{"slow"}, ps))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("err %v failures %v", err, resp.BatchItemFailures)
	}
	if ctx.Err() != nil {
		t.Fatal("handler ran past the deadline")
	}
	msgs := hs.deadLetters(t)
	if len(msgs) != 1 || msgs[0].Reason != dlq.RetriesExhausted {
		t.Fatalf("dead letters %d, want 1 retries_exhausted: %+v", len(msgs), msgs)
	}
}

func newCollectorOn(t *testing.T, ln net.Listener) *collector {
	t.Helper()
	c := newCollector(t)
	c.Close()
	srv := &http.Server{Handler: http.HandlerFunc(c.serve)}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return c
}

func newSlowCollector(t *testing.T, delay time.Duration) *collector {
	t.Helper()
	c := newCollector(t)
	done := make(chan struct{})
	t.Cleanup(func() { close(done) }) // runs before the server's Close
	c.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		case <-done:
		}
		w.WriteHeader(http.StatusOK)
	})
	return c
}
