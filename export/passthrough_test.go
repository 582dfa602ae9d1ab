package export

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// gzipPayloads returns the fixtures' payloads that the applications
// gzipped, as passthrough forwards them.
func gzipPayloads(t *testing.T, names ...string) []payload {
	t.Helper()
	var out []payload
	for _, p := range payloads(t, names...) {
		if p.it.Encoding == record.Gzip {
			out = append(out, p)
		}
	}
	return out
}

// A passthrough item whose gzip member is damaged (which ingest's checks
// make a bug, not an input) gets its request refused. The dead letters
// then take the request apart: the good items each for the collector's
// refusal (to be redriven), the damaged one alone as undecodable with its
// bytes as they came; every item is accounted for.
func TestPassthroughDamagedMemberDeadLetteredAlone(t *testing.T) {
	col := newCollector(t)
	c := coll("p", col.URL)
	c.Mode = route.ModePassthrough
	ps := gzipPayloads(t, "envelope/v0.17.3-gzip6.jsonl", "envelope/v0.17.3-gzip1.jsonl")
	if len(ps) < 2 {
		t.Fatalf("%d gzip payloads in the fixtures, want 2 or more", len(ps))
	}
	damaged := bytes.Clone(ps[1].it.Payload)
	damaged[len(damaged)-5] ^= 0xff // the CRC-32 in the trailer
	items := make([]record.Item, len(ps))
	var good []string
	for i, p := range ps {
		items[i] = p.it
		if i != 1 {
			good = append(good, p.ids...)
		}
	}
	items[1].Payload = damaged
	sort.Strings(good)
	hs := newHarness(t, table(t, c), Options{})
	resp, st, err := hs.h.Process(context.Background(), oneRecord(&record.Record{Collector: "p", Signal: otlp.Traces, Items: items}))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("err %v failures %v", err, resp.BatchItemFailures)
	}
	checkAccounted(t, st, 0)
	if got := col.got(otlp.Traces); len(got) != 0 {
		t.Fatalf("collector took %v from a request holding a damaged member", got)
	}
	var refused, undecodable []*dlq.Message
	for _, m := range hs.deadLetters(t) {
		if m.Reason == dlq.Undecodable {
			undecodable = append(undecodable, m)
		} else {
			refused = append(refused, m)
		}
	}
	if len(undecodable) != 1 {
		t.Fatalf("%d undecodable dead letters, want the damaged item's alone", len(undecodable))
	}
	m := undecodable[0]
	raw, err := m.Raw()
	if err != nil || m.Items != ps[1].it.Items || !bytes.Equal(raw, damaged) {
		t.Fatalf("dead letter items %d, payload %d bytes (%v); want %d items, the %d damaged bytes", m.Items, len(raw), err, ps[1].it.Items, len(damaged))
	}
	if got := deadIDs(t, refused, "p"); !slices.Equal(got, good) {
		t.Fatalf("the refused request's good items dead-lettered %v, want %v", got, good)
	}
	for _, m := range refused {
		if m.Reason != dlq.Permanent || m.Status == 0 {
			t.Fatalf("good item dead-lettered as %s (status %d), want the collector's refusal", m.Reason, m.Status)
		}
	}
	if st.DeadReasons[dlq.Undecodable] != ps[1].it.Items || st.Delivered != 0 {
		t.Fatalf("stats delivered %d dead %v", st.Delivered, st.DeadReasons)
	}
}

// Should a request body not inflate when it is dead-lettered, the dead
// letter holds the body as it was sent, as undecodable: never an empty
// payload claiming items.
func TestDeadRequestKeepsBodyThatDoesNotInflate(t *testing.T) {
	hs := newHarness(t, table(t), Options{})
	ev := events.KinesisEvent{Records: []events.KinesisEventRecord{{EventID: "shardId-000000000001:1",
		Kinesis: events.KinesisRecord{SequenceNumber: "1"}}}}
	b := newBatch(hs.h, nil, ev)
	g := &group{collector: "p", signal: otlp.Traces, entries: []entry{{rec: 0, item: &record.Item{Items: 3}}}}
	body := []byte("\x1f\x8b not really gzip")
	b.dead = append(b.dead, b.deadRequest(g, request{body: body, items: 3}, failure{reason: dlq.Permanent, status: 400})...)
	b.writeDead(context.Background())
	msgs := hs.deadLetters(t)
	if len(msgs) != 1 || b.retry[0] {
		t.Fatalf("%d dead letters, record retried %v; want one written", len(msgs), b.retry[0])
	}
	raw, err := msgs[0].Raw()
	if err != nil || !bytes.Equal(raw, body) || msgs[0].Reason != dlq.Undecodable || msgs[0].Items != 3 || msgs[0].Status != 400 {
		t.Fatalf("dead letter %+v holds %q (%v); want undecodable, the body as sent, the status kept", msgs[0], raw, err)
	}
}

// A passthrough item larger than max_request_bytes on its own is split
// into requests within the limit instead of being sent whole, to be
// refused every time; every span arrives once.
func TestPassthroughSplitsOversizedItem(t *testing.T) {
	ps := gzipPayloads(t, "envelope/v0.17.3-multi-service.jsonl", "envelope/v0.17.3-gzip6.jsonl")
	largest := 0
	for _, p := range ps {
		largest = max(largest, p.it.RawSize)
	}
	limit := largest / 2 // every item splits; every span (with its resource) fits
	col := newCollector(t)
	c := coll("p", col.URL)
	c.Mode = route.ModePassthrough
	c.MaxRequestBytes = limit
	hs := newHarness(t, table(t, c), Options{})
	resp, st, err := hs.h.Process(context.Background(), event(t, []string{"p"}, ps))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("err %v failures %v", err, resp.BatchItemFailures)
	}
	checkAccounted(t, st, 0)
	if st.Delivered != st.Items || st.DeadLettered != 0 {
		t.Fatalf("delivered %d of %d, dead %v", st.Delivered, st.Items, st.DeadReasons)
	}
	reqs := col.received()
	for _, r := range reqs {
		if len(r.raw) > limit {
			t.Fatalf("request of %d bytes inflated, above max_request_bytes %d", len(r.raw), limit)
		}
	}
	if len(reqs) <= len(ps) {
		t.Fatalf("%d requests for %d items each above the limit: not split", len(reqs), len(ps))
	}
	want := allIDs(ps, otlp.Traces)
	if got := col.got(otlp.Traces); !slices.Equal(got, want) {
		t.Fatalf("collector got %v\nwant %v", got, want)
	}
}
