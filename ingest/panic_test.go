package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/processor"
)

// exploding is a processor that panics on lines that say BOOM.
type exploding struct{}

func (exploding) Name() string { return "exploding" }

func (exploding) Process(ev *processor.Event, dst []processor.Telemetry) ([]processor.Telemetry, error) {
	if strings.Contains(ev.Message, "BOOM") {
		var m map[string]int
		m["decoder exploded"]++ // assignment to entry in nil map
	}
	return dst, processor.ErrNotMine
}

// panicLines returns the ERROR lines of a JSON log.
func panicLines(t *testing.T, logs *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line %s: %v", l, err)
		}
		if m["level"] == "ERROR" {
			out = append(out, m)
		}
	}
	return out
}

// A panic in a decoder failed the whole invocation (so Lambda retried the
// batch, which panicked again, until the records expired). Now only the
// event whose decoding panicked is dead-lettered, with the panic value in
// the error and the stack in a log line; the rest of its record and of the
// batch flows.
func TestDecoderPanicDeadLettersTheEvent(t *testing.T) {
	var logs bytes.Buffer
	chain := processor.NewChain(exploding{}, processor.AWSSpans{}, processor.OTLPStdout{}, processor.LambdaPlatform{}, processor.PlainLogs{})
	hs := newHarness(t, table(t, collector("a")), Options{Chain: chain, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ev := events.KinesisEvent{Records: []events.KinesisEventRecord{
		payloadRecord(t, "1", "/aws/lambda/checkout", "s", spanLine(t, "one", ""), "BOOM here", spanLine(t, "two", "")),
		payloadRecord(t, "2", "/aws/lambda/checkout", "s", spanLine(t, "three", "")),
	}}
	resp, st, err := hs.h.Process(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("err %v, BatchItemFailures %v", err, resp.BatchItemFailures)
	}
	if ids := testIDs(t, hs.written(t)); fmt.Sprint(ids) != "map[a:[one three two]]" {
		t.Fatalf("written %v, want every span but the panicking line's", ids)
	}
	dead := hs.deadLetters(t)
	if len(dead) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dead))
	}
	m := dead[0]
	raw, err := m.Raw()
	if err != nil || string(raw) != "BOOM here" || m.Reason != dlq.Undecodable || m.Source.FirstSeq != "1" || m.LogGroup != "/aws/lambda/checkout" {
		t.Fatalf("dead letter %+v holds %q (%v), want the BOOM line of record 1", m, raw, err)
	}
	if !strings.Contains(m.Error, "panic in the processor chain: assignment to entry in nil map") {
		t.Fatalf("dead letter error %q does not carry the panic value", m.Error)
	}
	if st.Panics != 1 || st.Undecodable != 1 || st.DeadLetters != 1 || st.Telemetry != 3 {
		t.Fatalf("stats %+v", st)
	}
	lines := panicLines(t, &logs)
	if len(lines) != 1 || lines[0]["seq"] != "1" || !strings.Contains(fmt.Sprint(lines[0]["stack"]), "exploding.Process") ||
		!strings.Contains(fmt.Sprint(lines[0]["panic"]), "nil map") {
		t.Fatalf("error log lines %v, want one with the panic and its stack", lines)
	}
}

// A panic elsewhere while reading a record (outside the processor chain)
// dead-letters the whole record, raw, with the panic value; the batch
// goes on with the next record.
func TestRecordPanicDeadLettersTheRecord(t *testing.T) {
	var logs bytes.Buffer
	hs := newHarness(t, table(t, collector("a")), Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	tb, err := hs.h.routes.Table(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	recs := []events.KinesisEventRecord{
		payloadRecord(t, "1", "/aws/lambda/checkout", "s", spanLine(t, "one", "")),
		payloadRecord(t, "2", "/aws/lambda/checkout", "s", spanLine(t, "two", "")),
	}
	b := newBatch(hs.h, tb, len(recs), 0)
	func() {
		b.records[0] = &recs[0]
		defer b.recoverRecord(0, &recs[0])
		b.pending = append(b.pending, pendingTel{}) // left half done
		panic(fmt.Errorf("routing table broke"))
	}()
	b.add(1, &recs[1])
	b.finish()
	b.write(context.Background())
	if ids := testIDs(t, hs.written(t)); fmt.Sprint(ids) != "map[a:[two]]" {
		t.Fatalf("written %v, want the next record's span", ids)
	}
	dead := hs.deadLetters(t)
	if len(dead) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dead))
	}
	raw, err := dead[0].Raw()
	if err != nil || !bytes.Equal(raw, recs[0].Kinesis.Data) || dead[0].Source.FirstSeq != "1" || dead[0].Reason != dlq.Undecodable ||
		!strings.Contains(dead[0].Error, "panic while reading the record: routing table broke") {
		t.Fatalf("dead letter %+v (%v), want record 1 raw with the panic", dead[0], err)
	}
	if b.stats.Panics != 1 || b.stats.Undecodable != 1 || len(b.pending) != 0 || slicesAnyTrue(b.retry) {
		t.Fatalf("stats %+v, pending %d, retry %v", b.stats, len(b.pending), b.retry)
	}
	if lines := panicLines(t, &logs); len(lines) != 1 || !strings.Contains(fmt.Sprint(lines[0]["stack"]), "TestRecordPanicDeadLettersTheRecord") {
		t.Fatalf("error log lines %v, want one with the stack", lines)
	}
}

func slicesAnyTrue(b []bool) bool {
	for _, v := range b {
		if v {
			return true
		}
	}
	return false
}
