package export

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/record"
)

// When Merge refuses a group, the items already dead-lettered as
// undecodable are not dead-lettered again with the rest: each item is in
// exactly one dead letter, and in = delivered + dead-lettered + pending.
func TestMergeErrorDeadLettersEachItemOnce(t *testing.T) {
	col := newCollector(t)
	hs := newHarness(t, table(t, coll("c", col.URL)), Options{})
	ps := gzipPayloads(t, "envelope/v0.17.3-gzip1.jsonl")
	if len(ps) == 0 {
		t.Fatal("no gzip payload in the fixture")
	}
	damaged := bytes.Clone(ps[0].it.Payload)
	damaged[len(damaged)-5] ^= 0xff         // the CRC-32 in the trailer
	unmergeable := []byte{0x0a, 0x05, 0x01} // a ResourceSpans cut short
	items := []record.Item{
		{Payload: damaged, Encoding: record.Gzip, RawSize: ps[0].it.RawSize, Items: ps[0].it.Items},
		{Payload: unmergeable, RawSize: len(unmergeable), Items: 2},
	}
	resp, st, err := hs.h.Process(context.Background(), oneRecord(&record.Record{Collector: "c", Signal: otlp.Traces, Items: items}))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("err %v failures %v", err, resp.BatchItemFailures)
	}
	checkAccounted(t, st, 0)
	if len(col.received()) != 0 {
		t.Fatalf("collector got %d requests", len(col.received()))
	}
	want := map[dlq.Reason]int{dlq.Undecodable: ps[0].it.Items, dlq.Permanent: 2}
	if len(st.DeadReasons) != len(want) || st.DeadReasons[dlq.Undecodable] != want[dlq.Undecodable] || st.DeadReasons[dlq.Permanent] != want[dlq.Permanent] {
		t.Fatalf("dead reasons %v, want %v", st.DeadReasons, want)
	}
	msgs := hs.deadLetters(t)
	if len(msgs) != 2 {
		t.Fatalf("%d dead letters, want one per item", len(msgs))
	}
	for _, m := range msgs {
		raw, err := m.Raw()
		if err != nil {
			t.Fatal(err)
		}
		switch m.Reason {
		case dlq.Undecodable:
			if !bytes.Equal(raw, damaged) {
				t.Fatalf("undecodable letter holds %d bytes, want the %d damaged ones", len(raw), len(damaged))
			}
		case dlq.Permanent:
			if !bytes.Equal(raw, unmergeable) || m.Items != 2 {
				t.Fatalf("permanent letter holds %x (%d items), want the unmergeable item", raw, m.Items)
			}
		}
	}
}

// A collector answers 503, then holds the retry until the deadline margin
// cuts it short: the dead letter carries the 503 and its message, the
// collector's last real answer, not the timeout of the cut attempt.
func TestDeadLetterKeepsCollectorAnswerWhenRetryIsCut(t *testing.T) {
	col := newCollector(t)
	var n atomic.Int32
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	col.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("collector overloaded: queue is full"))
			return
		}
		select {
		case <-r.Context().Done():
		case <-done:
		}
	})
	ps := payloads(t, "envelope/v0.17.3-gzip1.jsonl")
	hs := newHarness(t, table(t, coll("c", col.URL)), Options{Margin: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer cancel()
	resp, st, err := hs.h.Process(ctx, event(t, []string{"c"}, ps))
	if err != nil || len(resp.BatchItemFailures) != 0 || ctx.Err() != nil {
		t.Fatalf("err %v failures %v, deadline passed %v", err, resp.BatchItemFailures, ctx.Err() != nil)
	}
	checkAccounted(t, st, 0)
	msgs := hs.deadLetters(t)
	if len(msgs) != 1 {
		t.Fatalf("%d dead letters, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Reason != dlq.RetriesExhausted || m.Status != 503 || m.BodyExcerpt != "collector overloaded: queue is full" || m.Attempts != 2 ||
		!strings.Contains(m.Error, "503") {
		t.Fatalf("dead letter reason %s status %d excerpt %q attempts %d error %q; want the 503 and its message after 2 attempts",
			m.Reason, m.Status, m.BodyExcerpt, m.Attempts, m.Error)
	}
}
