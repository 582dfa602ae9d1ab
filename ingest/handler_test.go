package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/otlpfwd/otlpfwd/shared/aws/fake"
	"github.com/otlpfwd/otlpfwd/shared/aws/queue"
	"github.com/otlpfwd/otlpfwd/shared/aws/stream"
	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

type harness struct {
	kin *fake.Kinesis
	sqs *fake.SQS
	h   *Handler
}

func newHarness(t *testing.T, r routes, opts Options) *harness {
	t.Helper()
	k, q := &fake.Kinesis{}, &fake.SQS{}
	fast := stream.Options{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond}
	h, err := New(r, stream.NewWriter(k, "otlpfwd-export", fast), queue.NewWriter(q, "http://sqs/dlq", queue.Options{InitialInterval: time.Millisecond, MaxAttempts: 2}), opts)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{kin: k, sqs: q, h: h}
}

// written decodes every tier-2 record the fake stream accepted.
func (hs *harness) written(t *testing.T) []*record.Record {
	t.Helper()
	var out []*record.Record
	for _, e := range hs.kin.Written() {
		r, err := record.Unmarshal(e.Data)
		if err != nil {
			t.Fatalf("tier-2 record does not decode: %v", err)
		}
		if !strings.HasPrefix(aws.ToString(e.PartitionKey), r.Collector+"#") {
			t.Fatalf("partition key %q not derived from collector %q", aws.ToString(e.PartitionKey), r.Collector)
		}
		out = append(out, r)
	}
	return out
}

// testIDs lists the test.id of every tagged item the records carry, per
// collector.
func testIDs(t *testing.T, recs []*record.Record) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, r := range recs {
		for _, it := range r.Items {
			raw, err := it.AppendRaw(nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(raw) != it.RawSize {
				t.Fatalf("item raw_size %d, payload inflates to %d", it.RawSize, len(raw))
			}
			ids, err := fixture.TestIDs(r.Signal, raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) != it.Items {
				t.Fatalf("item says %d items, holds %d", it.Items, len(ids))
			}
			for _, id := range ids {
				if id != "" { // items otlpfwd made (REPORT metrics, plain logs) carry no test id
					out[r.Collector] = append(out[r.Collector], id)
				}
			}
		}
	}
	for c := range out {
		sort.Strings(out[c])
	}
	return out
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

// TestFixtureEvent runs the real Kinesis event fixture through the handler
// and checks every span, data point and log record, every dead letter and
// the response.
func TestFixtureEvent(t *testing.T) {
	f := fixture.Load(t).Files["kinesis/event.json"]
	hs := newHarness(t, table(t, collector("main")), Options{Region: "us-east-1"})
	ev := fixtureEvent(t)
	resp, st, err := hs.h.Process(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("BatchItemFailures = %v, want none", resp.BatchItemFailures)
	}
	// Every tagged item reached the tier-2 records (the duplicated record counts twice).
	got := testIDs(t, hs.written(t))["main"]
	if len(got) != f.TestIDOccurrences {
		t.Fatalf("%d tagged items written, fixture has %d", len(got), f.TestIDOccurrences)
	}
	unique := slices.Compact(slices.Clone(got))
	if !slices.Equal(unique, f.TestIDs) {
		t.Fatalf("test ids written:\n%v\nwant\n%v", unique, f.TestIDs)
	}
	tot := f.Totals
	// The fixture's REPORT lines are noise to the manifest; lambda-platform
	// turns them into metrics.
	reports, reportPoints := reportLines(t, ev)
	spans, points, logs := int(tot["spans"].(float64)), int(tot["metric_data_points"].(float64))+reportPoints, int(tot["log_records"].(float64))
	// The control message's one event is not a log event of the data.
	if st.ControlMessages != int(tot["control_events"].(float64)) || st.SkippedLines != int(tot["noise_lines"].(float64))-reports ||
		st.LogEvents != int(tot["log_events"].(float64))-int(tot["control_events"].(float64)) ||
		st.Items != spans+points+logs || st.InProgressSpans != 0 {
		t.Fatalf("stats %+v disagree with the manifest totals %v and %d REPORT lines", st, tot, reports)
	}
	// Every signal reached tier-2 records of its own, with exact counts.
	recs, items := bySignal(t, hs.written(t))
	if items[otlp.Traces] != spans || items[otlp.Metrics] != points || items[otlp.Logs] != logs {
		t.Fatalf("tier-2 items by signal %v, want %d spans, %d data points (%d from %d REPORT lines), %d log records",
			items, spans, points, reportPoints, reports, logs)
	}
	for _, sig := range otlp.Signals {
		if recs[sig] == 0 {
			t.Fatalf("no tier-2 record for %s", sig)
		}
	}
	if st.Records != f.Records || st.Undecodable != 3 {
		t.Fatalf("records %d undecodable %d, want %d and 3", st.Records, st.Undecodable, f.Records)
	}
	// Dead letters: the truncated record whole, and one bad event in each of two records.
	dead := hs.deadLetters(t)
	if len(dead) != 3 {
		t.Fatalf("%d dead letters, want 3", len(dead))
	}
	wantSeq := map[string]bool{}
	for _, d := range append(f.DamagedRecords, f.DamagedEventRecs...) {
		wantSeq[d.SequenceNumber] = true
	}
	for _, m := range dead {
		if m.Reason != dlq.Undecodable || !wantSeq[m.Source.FirstSeq] || m.Source.Shard != "shardId-000000000000" || !strings.Contains(m.Source.Stream, "otlpfwd-raw") {
			t.Fatalf("dead letter %+v: want reason undecodable for one of %v", m, wantSeq)
		}
		raw, err := m.Raw()
		if err != nil || len(raw) == 0 {
			t.Fatalf("dead letter payload: %v", err)
		}
		if !strings.Contains(m.Error, m.Source.FirstSeq) {
			t.Fatalf("error %q does not name the record", m.Error)
		}
	}
}

func TestFanOutAndRouting(t *testing.T) {
	a := collector("a")
	b := collector("b")
	b.Signals = route.Signals{otlpSignal(t, "traces")}
	other := collector("other")
	other.Match.LogGroups.Include = []string{"/aws/lambda/somebody-else"}
	hs := newHarness(t, table(t, a, b, other), Options{})
	ev := fixtureEvent(t)
	_, st, err := hs.h.Process(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	ids := testIDs(t, hs.written(t))
	f := fixture.Load(t).Files["kinesis/event.json"]
	if len(ids["a"]) != f.TestIDOccurrences {
		t.Fatalf("collector a got %d items, want all %d", len(ids["a"]), f.TestIDOccurrences)
	}
	for _, id := range ids["b"] {
		if strings.Contains(id, "-met-") || strings.Contains(id, "-log-") {
			t.Fatalf("collector b (traces only) got %s", id)
		}
	}
	if len(ids["b"]) == 0 || len(ids["other"]) != 0 {
		t.Fatalf("b got %d, other got %d; want some and none", len(ids["b"]), len(ids["other"]))
	}
	keys := map[string]bool{}
	for _, e := range hs.kin.Written() {
		k := aws.ToString(e.PartitionKey)
		if !slices.Contains([]string{"a#0", "a#1", "a#2", "a#3", "b#0", "b#1", "b#2", "b#3"}, k) {
			t.Fatalf("partition key %q, want a or b and a bucket 0-3", k)
		}
		keys[k[:1]] = true
	}
	if !keys["a"] || !keys["b"] {
		t.Fatalf("partition keys of %v, want a and b", keys)
	}
	if st.Routed <= st.Telemetry {
		t.Fatalf("routed %d <= telemetry %d: no fan-out", st.Routed, st.Telemetry)
	}
}

func TestUnroutedIsCountedNotWritten(t *testing.T) {
	c := collector("only-billing")
	c.Match.Sources.Include = []string{"^billing$"}
	hs := newHarness(t, table(t, c), Options{})
	_, st, err := hs.h.Process(context.Background(), fixtureEvent(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(hs.kin.Written()) != 0 || st.Unrouted != st.Telemetry || st.Telemetry == 0 {
		t.Fatalf("written %d, unrouted %d of %d telemetry", len(hs.kin.Written()), st.Unrouted, st.Telemetry)
	}
}

// A PutRecords partial failure (throttling) is retried and nothing is
// reported failed.
func TestPutRecordsPartialFailureRetried(t *testing.T) {
	hs := newHarness(t, table(t, collector("a"), collector("b")), Options{})
	hs.kin.PutRecordsFn = func(call int, in *kinesis.PutRecordsInput) (*kinesis.PutRecordsOutput, error) {
		out := fake.AcceptAll(in)
		if call == 1 {
			out.Records[0] = types.PutRecordsResultEntry{ErrorCode: aws.String("ProvisionedThroughputExceededException"), ErrorMessage: aws.String("Rate exceeded")}
			out.FailedRecordCount = aws.Int32(1)
		}
		return out, nil
	}
	resp, st, err := hs.h.Process(context.Background(), fixtureEvent(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 0 || st.PutRetried != 1 || len(hs.kin.Calls()) != 2 || len(hs.kin.Calls()[1].Records) != 1 {
		t.Fatalf("failures %v, retried %d, calls %d: want the one failed entry retried once", resp.BatchItemFailures, st.PutRetried, len(hs.kin.Calls()))
	}
	f := fixture.Load(t).Files["kinesis/event.json"]
	ids := testIDs(t, hs.written(t))
	if len(ids["a"]) != f.TestIDOccurrences || len(ids["b"]) != f.TestIDOccurrences {
		t.Fatalf("a %d b %d items, want %d each", len(ids["a"]), len(ids["b"]), f.TestIDOccurrences)
	}
}

// An entry that keeps failing until the deadline makes its source records
// fail, reported by sequence number; the others are not reported.
func TestPutRecordsNotRecoverableInTime(t *testing.T) {
	hs := newHarness(t, table(t, collector("a"), collector("b")), Options{Margin: 50 * time.Millisecond})
	hs.kin.PutRecordsFn = func(call int, in *kinesis.PutRecordsInput) (*kinesis.PutRecordsOutput, error) {
		out := fake.AcceptAll(in)
		for i, r := range in.Records {
			if strings.HasPrefix(aws.ToString(r.PartitionKey), "b#") {
				out.Records[i] = types.PutRecordsResultEntry{ErrorCode: aws.String("ProvisionedThroughputExceededException"), ErrorMessage: aws.String("Rate exceeded")}
			}
		}
		return out, nil
	}
	ev := fixtureEvent(t)
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	resp, st, err := hs.h.Process(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	// Records holding telemetry: all but the control message and the truncated one.
	var want []string
	for i, r := range ev.Records {
		if i == 1 || i == 4 {
			continue
		}
		want = append(want, r.Kinesis.SequenceNumber)
	}
	var got []string
	for _, f := range resp.BatchItemFailures {
		got = append(got, f.ItemIdentifier)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("BatchItemFailures = %v\nwant %v", got, want)
	}
	if st.PutFailed == 0 || len(hs.kin.Calls()) < 3 {
		t.Fatalf("put failed %d after %d calls: want retries before giving up", st.PutFailed, len(hs.kin.Calls()))
	}
	if len(testIDs(t, hs.written(t))["a"]) == 0 {
		t.Fatal("collector a's records were not written")
	}
}

// When the DLQ cannot be written, the undecodable records stay in the
// stream (reported failed); the rest of the batch is not.
func TestDeadLetterFailureFailsOnlyThoseRecords(t *testing.T) {
	hs := newHarness(t, table(t, collector("a")), Options{})
	hs.sqs.SendMessageBatchFn = func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
		return nil, errors.New("sqs is down")
	}
	ev := fixtureEvent(t)
	resp, _, err := hs.h.Process(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range resp.BatchItemFailures {
		got = append(got, f.ItemIdentifier)
	}
	want := []string{ev.Records[4].Kinesis.SequenceNumber, ev.Records[5].Kinesis.SequenceNumber, ev.Records[6].Kinesis.SequenceNumber}
	if !slices.Equal(got, want) {
		t.Fatalf("BatchItemFailures = %v, want %v", got, want)
	}
}

func TestPassHeadersOnlyByName(t *testing.T) {
	line := string(fixture.Read(t, "envelope/v0.17.3-headers-level.jsonl"))
	c := collector("tenanted")
	c.PassHeaders = []string{"X-Tenant"}
	hs := newHarness(t, table(t, c, collector("plain")), Options{})
	if _, _, err := hs.h.Process(context.Background(), eventOf(t, "/aws/lambda/checkout", line)); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range hs.written(t) {
		seen[r.Collector] = true
		switch r.Collector {
		case "plain":
			if len(r.Headers) != 0 {
				t.Fatalf("collector plain got headers %v", r.Headers)
			}
		case "tenanted":
			if len(r.Headers) != 1 || r.Headers["x-tenant"] != "acme-traces" {
				t.Fatalf("collector tenanted got headers %v, want only x-tenant (never authorization)", r.Headers)
			}
		}
	}
	if !seen["plain"] || !seen["tenanted"] {
		t.Fatalf("records written for %v, want both collectors", seen)
	}
}

// A 1 MB log event becomes tier-2 records within the size limit, split on
// OTLP boundaries when one item would not fit, with every span kept.
func TestLargeRecordSplitsToLimit(t *testing.T) {
	f := fixture.Load(t).Files["cwlogs/large-1mb.json.gz"]
	for _, max := range []int{DefaultMaxRecordBytes, 200_000} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			hs := newHarness(t, table(t, collector("a")), Options{MaxRecordBytes: max})
			ev := events.KinesisEvent{Records: []events.KinesisEventRecord{kinesisRecord("1", fixture.Read(t, "cwlogs/large-1mb.json.gz"))}}
			resp, _, err := hs.h.Process(context.Background(), ev)
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("%v %v", err, resp.BatchItemFailures)
			}
			for _, e := range hs.kin.Written() {
				if n := len(e.Data) + len(aws.ToString(e.PartitionKey)); n > max {
					t.Fatalf("tier-2 record of %d bytes exceeds %d", n, max)
				}
			}
			ids := testIDs(t, hs.written(t))["a"]
			if len(ids) != f.Spans {
				t.Fatalf("%d spans written, want %d", len(ids), f.Spans)
			}
		})
	}
}

func TestGzipBombIsDeadLettered(t *testing.T) {
	bomb := compress.Gzip(nil, make([]byte, 80<<20), compress.DefaultLevel)
	hs := newHarness(t, table(t, collector("a")), Options{})
	ev := events.KinesisEvent{Records: []events.KinesisEventRecord{kinesisRecord("7", bomb)}}
	resp, st, err := hs.h.Process(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 || st.Undecodable != 1 {
		t.Fatalf("err %v failures %v undecodable %d", err, resp.BatchItemFailures, st.Undecodable)
	}
	dead := hs.deadLetters(t)
	if len(dead) == 0 || !strings.Contains(dead[0].Error, "exceeds limit") {
		t.Fatalf("dead letters %v: want one naming the size limit", dead)
	}
}

func TestRoutesUnavailableFailsInvocation(t *testing.T) {
	k, q := &fake.Kinesis{}, &fake.SQS{}
	h, err := New(brokenRoutes{}, stream.NewWriter(k, "s", stream.Options{}), queue.NewWriter(q, "q", queue.Options{}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Handle(context.Background(), fixtureEvent(t)); err == nil || !strings.Contains(err.Error(), "routes") {
		t.Fatalf("error = %v, want the routes failure", err)
	}
}

// Items for a passthrough collector keep the application's gzip bytes;
// items for a collector whose requests export rewrites are S2.
func TestItemEncodingFollowsTheCollectorMode(t *testing.T) {
	pass := collector("pass")
	pass.Mode = route.ModePassthrough
	hs := newHarness(t, table(t, pass, collector("merge")), Options{})
	if _, _, err := hs.h.Process(context.Background(), eventOf(t, "/aws/lambda/checkout", string(fixture.Read(t, "envelope/v0.17.3-gzip6.jsonl")))); err != nil {
		t.Fatal(err)
	}
	line := splitFirstLine(fixture.Read(t, "envelope/v0.17.3-gzip6.jsonl"))
	m, err := otlpstdout.Decode(line, otlpstdout.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range hs.written(t) {
		for _, it := range r.Items {
			seen[r.Collector] = true
			switch r.Collector {
			case "pass":
				if it.Encoding != record.Gzip || !bytes.Equal(it.Payload, m.Gzip) {
					t.Fatalf("passthrough item is %d, not the app's gzip bytes", it.Encoding)
				}
			case "merge":
				if it.Encoding != record.S2 {
					t.Fatalf("merge item encoding %d, want S2", it.Encoding)
				}
			}
		}
	}
	if !seen["pass"] || !seen["merge"] {
		t.Fatalf("records for %v", seen)
	}
}

func splitFirstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}
