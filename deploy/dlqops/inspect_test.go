package dlqops

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/deploy/svc/svctest"
	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// TestInspect fills the DLQ with the export handler's own dead letters:
// the real collector answering 503 (retries exhausted, then the circuit
// open), a collector answering 400 (permanent), a span too large for one
// message (chunked) and a record that is not tier-2 (undecodable). Inspect
// counts them all, previews them, and leaves every message in the queue.
func TestInspect(t *testing.T) {
	e := newEnv(t)
	down := svctest.Collector(t, true)
	cs := []route.Collector{{Name: "down", Endpoint: down.Endpoint()}, {Name: "strict", Endpoint: status(t, 400)}}
	// The first batch fails once (retries exhausted) and opens the
	// circuit, so that the second batch's data for "down" goes straight to
	// the DLQ (circuit open).
	var first, second batch
	first.add("down", otlp.Traces, "a", 60)
	first.addRaw("down", otlp.Traces, bigSpan("big", 60<<10))
	second.add("down", otlp.Metrics, "m", 10)
	second.add("down", otlp.Logs, "l", 12)
	second.add("down", otlp.Traces, "c", 5)
	second.add("strict", otlp.Traces, "s", 8)
	items := e.deadLetter(t, cs, 16<<10, export.BreakerOptions{Failures: 1, Cooldown: time.Hour},
		event(first.recs), event(second.recs, []byte("not a tier-2 record")))
	if items != len(first.ids)+len(second.ids) {
		t.Fatalf("dead-lettered %d items, want %d", items, len(first.ids)+len(second.ids))
	}
	before := e.depth(t)
	if before.Visible < 8 {
		t.Fatalf("only %d messages: the test wants splits and chunks", before.Visible)
	}

	ctx := context.Background()
	rep, err := Inspect(ctx, e.aws.SQS, e.st.DLQURL, InspectOptions{Peek: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Complete || rep.Read != before.Visible || rep.Items != items || rep.IncompleteChunks != 0 || len(rep.Unreadable) != 0 {
		t.Fatalf("report: read %d of %d, items %d of %d, complete %v, incomplete chunks %d, unreadable %v",
			rep.Read, before.Visible, rep.Items, items, rep.Complete, rep.IncompleteChunks, rep.Unreadable)
	}
	if rep.ByCollector["strict"].Items != 8 || rep.ByCollector[None].Messages != 1 || rep.ByCollector["down"].Items != items-8 {
		t.Errorf("by collector %+v", rep.ByCollector)
	}
	for r, n := range map[dlq.Reason]int{dlq.Permanent: 8, dlq.CircuitOpen: 10 + 12 + 5, dlq.Undecodable: 0, dlq.RetriesExhausted: 60 + 1} {
		if got, ok := rep.ByReason[string(r)]; !ok || got.Items != n {
			t.Errorf("reason %s: %+v, want %d items", r, got, n)
		}
	}
	if rep.BySignal["metrics"].Items != 10 || rep.BySignal["logs"].Items != 12 || rep.BySignal[None].Messages != 1 {
		t.Errorf("by signal %+v", rep.BySignal)
	}
	if rep.ByAge[0].Bucket != "<1h" || rep.ByAge[0].Messages != rep.Read || rep.Expiring != 0 {
		t.Errorf("by age %+v, expiring %d", rep.ByAge, rep.Expiring)
	}

	// Previews decode every dead letter; the chunked one is joined.
	decoded, chunked := 0, false
	for _, p := range rep.Peek {
		switch {
		case p.Reason == dlq.Undecodable:
			if p.RawExcerpt != "not a tier-2 record" || !strings.Contains(p.Error, "tier-2 record") {
				t.Errorf("undecodable preview %+v", p)
			}
		case p.DecodeError != "":
			t.Errorf("preview of %v: %s", p.MessageIDs, p.DecodeError)
		default:
			if p.Decoded != p.Items || p.Resources == 0 || len(p.Services) == 0 || p.Start.IsZero() || p.End.Before(p.Start) {
				t.Errorf("preview %+v", p)
			}
			decoded += p.Decoded
		}
		if len(p.MessageIDs) > 1 {
			chunked = true
			if !slices.Equal(p.Services, []string{"big"}) || p.Decoded != 1 || p.Bytes < 60<<10 {
				t.Errorf("chunked preview %+v", p)
			}
		}
		if p.Collector == "strict" && (p.Status != 400 || !strings.Contains(p.BodyExcerpt, "refused by the test") || p.Attempts != 1) {
			t.Errorf("permanent preview %+v", p)
		}
		if p.Reason == dlq.RetriesExhausted && (p.Status != 503 || p.Attempts != 2) {
			t.Errorf("retries exhausted preview %+v", p)
		}
	}
	if decoded != items || !chunked {
		t.Errorf("previews decoded %d items of %d; chunked seen %v", decoded, items, chunked)
	}

	// Nothing was deleted, and every message is visible again at once.
	after := e.depth(t)
	if after.Visible != before.Visible || after.InFlight != 0 {
		t.Fatalf("after inspect: %+v, before %+v", after, before)
	}

	// A capped scan says it is incomplete; the peek stops at its count.
	rep, err = Inspect(ctx, e.aws.SQS, e.st.DLQURL, InspectOptions{MaxMessages: 3, Peek: 1})
	if err != nil || rep.Read != 3 || rep.Complete || len(rep.Peek) != 1 {
		t.Fatalf("capped: %+v %v", rep, err)
	}
	if d := e.depth(t); d.Visible != before.Visible {
		t.Fatalf("after the capped scan: %+v", d)
	}
}
