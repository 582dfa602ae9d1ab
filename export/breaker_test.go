package export

import (
	"context"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
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
