package export

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
)

// Dead letters written by the handler resend to the collector with its
// configured encoding, once it answers again; undecodable ones are refused.
func TestResendDeadLetters(t *testing.T) {
	bad := newCollector(t, 503, 503, 503, 503, 503, 503, 503, 503, 503)
	ps := payloads(t, "envelope/v0.17.3-multi-service.jsonl", "envelope/logs-json.jsonl")
	r := table(t, coll("c", bad.URL))
	hs := newHarness(t, r, Options{})
	if _, _, err := hs.h.Process(context.Background(), event(t, []string{"c"}, ps)); err != nil {
		t.Fatal(err)
	}
	msgs := hs.deadLetters(t)
	if len(msgs) == 0 {
		t.Fatal("no dead letters")
	}
	good := newCollector(t)
	rs := NewResender(table(t, coll("c", good.URL)), otlphttp.NewClient(otlphttp.Options{Timeout: time.Second}), fastRetry)
	total := 0
	for _, m := range msgs {
		n, err := rs.Resend(context.Background(), m, "")
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	for _, sig := range []otlp.Signal{otlp.Traces, otlp.Logs} {
		if !slices.Equal(good.got(sig), allIDs(ps, sig)) {
			t.Fatalf("%s: resent %v want %v", sig, good.got(sig), allIDs(ps, sig))
		}
	}
	if total != len(allIDs(ps, otlp.Traces))+len(allIDs(ps, otlp.Logs)) {
		t.Fatalf("Resend counted %d items", total)
	}
	und := &dlq.Message{V: 1, Reason: dlq.Undecodable, Payload: []byte{1}, Encoding: "identity"}
	if _, err := rs.Resend(context.Background(), und, ""); !errors.Is(err, ErrNotRedrivable) {
		t.Fatalf("undecodable: %v", err)
	}
	if _, err := rs.Resend(context.Background(), msgs[0], "nobody"); !errors.Is(err, ErrNotRedrivable) {
		t.Fatalf("unknown collector: %v", err)
	}
}
