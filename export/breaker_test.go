package export

import (
	"context"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// newHangingCollector is a collector that, while hang is set, holds every
// request until the client hangs up; otherwise it answers as newCollector.
func newHangingCollector(t *testing.T, hang *atomic.Bool) *collector {
	t.Helper()
	c := newCollector(t)
	done := make(chan struct{})
	t.Cleanup(func() { close(done) }) // runs before the server's Close
	c.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hang.Load() {
			select {
			case <-r.Context().Done():
			case <-done:
			}
			return
		}
		c.serve(w, r)
	})
	return c
}

// checkAccounted fails unless every item of the batch is delivered,
// dead-lettered or in a record reported for retry.
func checkAccounted(t *testing.T, st Stats, pending int) {
	t.Helper()
	if st.Items != st.Delivered+st.DeadLettered+pending {
		t.Fatalf("items %d != delivered %d + dead-lettered %d + pending %d", st.Items, st.Delivered, st.DeadLettered, pending)
	}
}

// The handler running out of time is nobody's fault but its own: neither
// the collector whose attempt the deadline cut short nor the healthy one
// that got no attempt at all has its circuit opened, so the next batch,
// with time to spare, is delivered to both.
func TestDeadlineDoesNotTripBreakers(t *testing.T) {
	var hang atomic.Bool
	hang.Store(true)
	slow := newHangingCollector(t, &hang)
	good := newCollector(t)
	ps := payloads(t, "envelope/v0.17.3-multi-service.jsonl")
	cg := coll("b-good", good.URL)
	cg.MaxRequestBytes = 4000 // one request per payload
	// One failure would open a circuit: any counted is seen.
	hs := newHarness(t, table(t, coll("a-slow", slow.URL), cg), Options{MaxInFlight: 1, Margin: 300 * time.Millisecond,
		Breaker: BreakerOptions{Failures: 1, Cooldown: time.Hour}})

	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	resp, st, err := hs.h.Process(ctx, event(t, []string{"a-slow", "b-good"}, ps))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("err %v failures %v", err, resp.BatchItemFailures)
	}
	checkAccounted(t, st, 0)
	if st.DeadReasons[dlq.RetriesExhausted] != st.Items || len(good.received()) != 0 {
		t.Fatalf("first batch: dead %v of %d items, b-good got %d requests; want every item dead-lettered as retries_exhausted",
			st.DeadReasons, st.Items, len(good.received()))
	}
	for _, m := range hs.deadLetters(t) {
		if m.Collector == "b-good" && m.Attempts != 0 {
			t.Fatalf("b-good letter with %d attempts: it was to get none", m.Attempts)
		}
	}

	hang.Store(false)
	resp, st, err = hs.h.Process(context.Background(), event(t, []string{"a-slow", "b-good"}, ps))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("err %v failures %v", err, resp.BatchItemFailures)
	}
	if st.Delivered != st.Items || st.DeadLettered != 0 {
		t.Fatalf("second batch: delivered %d of %d, dead %v; a circuit was opened by the deadline", st.Delivered, st.Items, st.DeadReasons)
	}
	for _, col := range []*collector{slow, good} {
		if got := col.got(otlp.Traces); !slices.Equal(got, allIDs(ps, otlp.Traces)) {
			t.Fatalf("collector got %v", got)
		}
	}
}

// A half-open probe that our deadline leaves unattempted is given back:
// the next request probes, finds the collector well and closes the circuit.
func TestUnattemptedProbeIsReleased(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	col := newCollector(t, 500) // one failure opens the circuit
	ps := payloads(t, "envelope/v0.17.3-gzip1.jsonl")
	hs := newHarness(t, table(t, coll("c", col.URL)), Options{Now: clock, Breaker: BreakerOptions{Failures: 1, Cooldown: time.Minute}})
	if _, st, _ := hs.h.Process(context.Background(), event(t, []string{"c"}, ps)); st.DeadReasons[dlq.Permanent] != st.Items {
		t.Fatalf("first batch dead %v, want the 500", st.DeadReasons)
	}
	if _, st, _ := hs.h.Process(context.Background(), event(t, []string{"c"}, ps)); st.DeadReasons[dlq.CircuitOpen] != st.Items {
		t.Fatalf("second batch dead %v, want the circuit open", st.DeadReasons)
	}
	now = now.Add(2 * time.Minute)
	// No time to send: the probe is let through but never attempted.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond) // = the harness margin
	defer cancel()
	_, st, _ := hs.h.Process(ctx, event(t, []string{"c"}, ps))
	if st.DeadReasons[dlq.RetriesExhausted] != st.Items || st.Attempts != 0 {
		t.Fatalf("third batch dead %v after %d attempts, want retries_exhausted and no attempt", st.DeadReasons, st.Attempts)
	}
	// The clock has not moved: only a released probe lets this through.
	_, st, _ = hs.h.Process(context.Background(), event(t, []string{"c"}, ps))
	if st.Delivered != st.Items {
		t.Fatalf("fourth batch delivered %d of %d, dead %v: the unattempted probe kept the circuit shut", st.Delivered, st.Items, st.DeadReasons)
	}
	if _, st, _ = hs.h.Process(context.Background(), event(t, []string{"c"}, ps)); st.Delivered != st.Items {
		t.Fatalf("fifth batch delivered %d of %d: the probe's success did not close the circuit", st.Delivered, st.Items)
	}
}

// invalidUTF8Traces is a traces request whose span name is not UTF-8:
// Merge takes it (it copies items as they are) but it cannot be encoded
// as OTLP/JSON.
func invalidUTF8Traces() []byte {
	var span []byte
	span = protowire.AppendTag(span, 1, protowire.BytesType)
	span = protowire.AppendBytes(span, make([]byte, 16))
	span = protowire.AppendTag(span, 2, protowire.BytesType)
	span = protowire.AppendBytes(span, make([]byte, 8))
	span = protowire.AppendTag(span, 5, protowire.BytesType)
	span = protowire.AppendBytes(span, []byte{0xff, 0xfe})
	var ss []byte
	ss = protowire.AppendTag(ss, 2, protowire.BytesType)
	ss = protowire.AppendBytes(ss, span)
	var rs []byte
	rs = protowire.AppendTag(rs, 2, protowire.BytesType)
	rs = protowire.AppendBytes(rs, ss)
	var req []byte
	req = protowire.AppendTag(req, 1, protowire.BytesType)
	req = protowire.AppendBytes(req, rs)
	return req
}

// oneRecord is a batch of one tier-2 record.
func oneRecord(r *record.Record) events.KinesisEvent {
	return events.KinesisEvent{Records: []events.KinesisEventRecord{{EventID: "shardId-000000000001:1",
		Kinesis: events.KinesisRecord{SequenceNumber: "1", Data: record.Marshal(nil, r)}}}}
}

// A half-open probe whose request cannot be encoded is never sent: it is
// given back, and the next request probes and closes the circuit, rather
// than the circuit staying half-open with its probe out for ever.
func TestProbeEncodeFailureReleasesProbe(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	col := newCollector(t, 500) // one failure opens the circuit
	c := coll("j", col.URL)
	c.Encoding = route.EncodingJSON
	hs := newHarness(t, table(t, c), Options{Now: clock, Breaker: BreakerOptions{Failures: 1, Cooldown: time.Minute}})
	ps := payloads(t, "envelope/v0.17.3-gzip1.jsonl")
	if _, st, _ := hs.h.Process(context.Background(), event(t, []string{"j"}, ps)); st.DeadReasons[dlq.Permanent] != st.Items {
		t.Fatalf("first batch dead %v, want the 500", st.DeadReasons)
	}
	now = now.Add(2 * time.Minute) // the cooldown has passed: the next request probes

	req := invalidUTF8Traces()
	resp, st, err := hs.h.Process(context.Background(), oneRecord(&record.Record{Collector: "j", Signal: otlp.Traces,
		Items: []record.Item{{Payload: req, RawSize: len(req), Items: 1}}}))
	if err != nil || len(resp.BatchItemFailures) != 0 || st.DeadReasons[dlq.Permanent] != 1 || st.Attempts != 0 {
		t.Fatalf("unencodable batch: err %v failures %v dead %v attempts %d; want 1 permanent dead letter, nothing sent",
			err, resp.BatchItemFailures, st.DeadReasons, st.Attempts)
	}
	// The clock has not moved: only a released probe lets these through.
	for i := 0; i < 2; i++ {
		_, st, _ = hs.h.Process(context.Background(), event(t, []string{"j"}, ps))
		if st.Delivered != st.Items {
			t.Fatalf("good batch %d: delivered %d of %d, dead %v", i, st.Delivered, st.Items, st.DeadReasons)
		}
	}
}

// A probe that never reports back (lost, or still retrying) is replaced
// once it has been out for the cooldown; giving back a replaced probe does
// not give back its successor.
func TestBreakerReplacesStaleProbe(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	b := newBreakers(BreakerOptions{Failures: 1, Cooldown: time.Minute}, func() time.Time { return now })
	b.record("c", false)
	if ok, _ := b.allow("c"); ok {
		t.Fatal("open circuit let a request through")
	}
	now = now.Add(time.Minute)
	ok, first := b.allow("c")
	if !ok || first == 0 {
		t.Fatal("no probe after the cooldown")
	}
	if ok, _ := b.allow("c"); ok {
		t.Fatal("a second probe while the first is out")
	}
	now = now.Add(59 * time.Second)
	if ok, _ := b.allow("c"); ok {
		t.Fatal("the probe was replaced before the cooldown")
	}
	now = now.Add(time.Second)
	ok, second := b.allow("c")
	if !ok || second == first {
		t.Fatal("a probe out for the cooldown was not replaced")
	}
	b.release("c", first) // the stale one comes back unanswered
	if ok, _ := b.allow("c"); ok {
		t.Fatal("releasing the stale probe released its successor")
	}
	b.release("c", second)
	ok, third := b.allow("c")
	if !ok {
		t.Fatal("released probe not given out again")
	}
	b.record("c", true)
	if ok, p := b.allow("c"); !ok || p != 0 || b.isOpen("c") || third == 0 {
		t.Fatal("a successful probe did not close the circuit")
	}
}
