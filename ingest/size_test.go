package ingest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/slim/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
	"github.com/otlpfwd/otlpfwd/shared/processor"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// noise returns n pseudo-random characters of alphabet: base64's 64 do
// not compress with S2 (and little with gzip); "abcd" compresses about
// 2x with S2 and 3x with gzip.
func noise(seed int64, n int, alphabet string) string {
	r := rand.New(rand.NewSource(seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.Intn(len(alphabet))]
	}
	return string(b)
}

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// spanRequest is a trace request of one span tagged test.id=id, with an
// attribute "big" of value big when not empty.
func spanRequest(t testing.TB, id, big string) []byte {
	t.Helper()
	attrs := []*commonpb.KeyValue{{Key: fixture.TestIDKey, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: id}}}}
	if big != "" {
		attrs = append(attrs, &commonpb.KeyValue{Key: "big", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: big}}})
	}
	req := &coltrace.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{
		TraceId: []byte("0123456789abcdef"), SpanId: []byte("01234567"), Name: id,
		StartTimeUnixNano: 1_795_518_930_000_000_000, EndTimeUnixNano: 1_795_518_930_100_000_000, Attributes: attrs,
	}}}}}}}
	raw, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// spanLine is an otlp-stdout envelope of spanRequest(id, big), with the
// given envelope headers.
func spanLine(t testing.TB, id, big string, headers ...otlpstdout.Header) string {
	t.Helper()
	line, err := otlpstdout.Encode(nil, otlp.Traces, spanRequest(t, id, big), otlpstdout.DefaultGzipLevel,
		otlpstdout.Meta{Source: "checkout", Headers: headers})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(line), "\n")
}

// checkEntrySizes fails when a written entry (data plus partition key) is
// larger than max or than a Kinesis record.
func checkEntrySizes(t *testing.T, hs *harness, max int) {
	t.Helper()
	for _, e := range hs.kin.Written() {
		n := len(e.Data) + len(aws.ToString(e.PartitionKey))
		if n > max || n > 1<<20 {
			t.Fatalf("tier-2 entry of %d bytes (key %q): limit %d, Kinesis 1 MiB", n, aws.ToString(e.PartitionKey), max)
		}
	}
}

// headersOf returns the passed headers of the record of each collector and
// tagged item.
func headersOf(t *testing.T, recs []*record.Record) map[string]map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]map[string]string{}
	for _, r := range recs {
		if out[r.Collector] == nil {
			out[r.Collector] = map[string]map[string]string{}
		}
		for _, id := range testIDs(t, []*record.Record{r})[r.Collector] {
			out[r.Collector][id] = r.Headers
		}
	}
	return out
}

// Reviewer's repro: pass_headers [x-tenant] and an application header of
// 100 KB made a 1,097,901-byte tier-2 record (over Kinesis' 1 MiB, so the
// whole PutRecords call failed). A passed header set is now capped; a
// header over the cap is dropped with a warning naming it (not its value),
// and an item that does not fit a record with its headers is dead-lettered
// for that collector alone.
func TestPassedHeadersNeverOverflowARecord(t *testing.T) {
	const max = 150_000 // small enough that a dead letter is one DLQ message
	tenant := func(n int) otlpstdout.Header { return otlpstdout.Header{Name: "X-Tenant", Value: noise(7, n, "t")} }
	cases := []struct {
		name      string
		header    int // bytes of the x-tenant value
		big       int // bytes of the span's incompressible attribute
		dropped   bool
		tenanted  bool // whether the tenanted collector gets the span
		deadCause string
	}{
		// The header is over the cap: dropped; both collectors get the span.
		{name: "100KB header dropped", header: 100_000, big: max - 5_000, dropped: true, tenanted: true},
		// The header fits the cap, the span fits a record, and with the
		// header too: both get it, the tenanted one with its header.
		{name: "6KB header passed", header: 6_000, big: max / 2, tenanted: true},
		// The span fits a record alone but not with the 6 KB header: the
		// plain collector gets it; it is dead-lettered for the tenanted one.
		{name: "6KB header does not fit with the item", header: 6_000, big: max - 3_000, deadCause: "too large for a Kinesis record"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tenanted := collector("tenanted")
			tenanted.PassHeaders = []string{"x-tenant"}
			var logs bytes.Buffer
			hs := newHarness(t, table(t, tenanted, collector("plain")), Options{MaxRecordBytes: max, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			line := spanLine(t, "big-span", noise(1, tc.big, b64Alphabet), tenant(tc.header))
			ev := eventOf(t, "/aws/lambda/checkout", line, spanLine(t, "small-span", ""))
			resp, st, err := hs.h.Process(context.Background(), ev)
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("err %v, BatchItemFailures %v", err, resp.BatchItemFailures)
			}
			checkEntrySizes(t, hs, max)
			recs := hs.written(t)
			ids := testIDs(t, recs)
			wantTenanted := []string{"small-span"}
			if tc.tenanted {
				wantTenanted = []string{"big-span", "small-span"}
			}
			if fmt.Sprint(ids["plain"]) != "[big-span small-span]" || fmt.Sprint(ids["tenanted"]) != fmt.Sprint(wantTenanted) {
				t.Fatalf("written %v, want plain [big-span small-span] and tenanted %v", ids, wantTenanted)
			}
			hdrs := headersOf(t, recs)
			if len(hdrs["plain"]["big-span"]) != 0 || len(hdrs["plain"]["small-span"]) != 0 || len(hdrs["tenanted"]["small-span"]) != 0 {
				t.Fatalf("headers passed where none are due: %v", hdrs)
			}
			if tc.dropped {
				if len(hdrs["tenanted"]["big-span"]) != 0 || st.HeadersDropped != 1 {
					t.Fatalf("tenanted headers %d, dropped %d: want the oversized header dropped and counted", len(hdrs["tenanted"]["big-span"]), st.HeadersDropped)
				}
				if !strings.Contains(logs.String(), `"header":"x-tenant"`) || strings.Contains(logs.String(), "tttttttt") {
					t.Fatalf("log lines %s: want a warning naming x-tenant, never its value", logs.String())
				}
			} else if h := hdrs["tenanted"]["big-span"]; tc.tenanted && (len(h) != 1 || len(h["x-tenant"]) != tc.header) || st.HeadersDropped != 0 {
				t.Fatalf("tenanted headers %d bytes (%d dropped), want x-tenant of %d", len(h["x-tenant"]), st.HeadersDropped, tc.header)
			}
			dead := hs.deadLetters(t)
			if tc.deadCause == "" {
				if len(dead) != 0 || st.Undecodable != 0 {
					t.Fatalf("%d dead letters (%d undecodable), want none", len(dead), st.Undecodable)
				}
				return
			}
			if len(dead) != 1 || st.Undecodable != 1 || st.DeadLetters != 1 {
				t.Fatalf("%d dead letters, stats %+v: want the big span's event once", len(dead), st)
			}
			m := dead[0]
			raw, err := m.Raw()
			if err != nil || string(raw) != line {
				t.Fatalf("dead letter holds %d bytes (%v), want the event's line", len(raw), err)
			}
			for _, want := range []string{tc.deadCause, `collector "tenanted"`, "a traces item", "split the export on the application side or reduce pass_headers", "(the passed headers take 60"} {
				if !strings.Contains(m.Error, want) {
					t.Fatalf("dead letter error %q does not say %q", m.Error, want)
				}
			}
			if m.Reason != dlq.Undecodable || m.Source.FirstSeq != "100" || m.LogGroup != "/aws/lambda/checkout" {
				t.Fatalf("dead letter %+v", m)
			}
		})
	}
}

// At the largest limit, with the longest collector name and partition
// key, passed headers up to the cap and items of every size around what
// fits, every tier-2 entry is within Kinesis' 1 MiB (partition key
// included), and every item is written, or dead-lettered for the
// collector whose record it does not fit.
func TestRecordsFitKinesisAtTheLimit(t *testing.T) {
	long := strings.Repeat("n", nameBudget)
	for _, hdr := range []int{0, 1, 4_000, MaxPassedHeaderBytes - len("x-tenant")} {
		for _, gap := range []int{-3000, -200, -1, 0, 1, 200, 3000} {
			t.Run(fmt.Sprintf("header %d gap %d", hdr, gap), func(t *testing.T) {
				tenanted := collector(long)
				tenanted.PassHeaders = []string{"x-tenant"}
				hs := newHarness(t, table(t, tenanted, collector("p")), Options{MaxRecordBytes: MaxRecordLimit, PartitionBuckets: 1000})
				headers := map[string]string{}
				if hdr > 0 {
					headers["x-tenant"] = noise(3, hdr, "h")
				}
				pk := newPacker(hs.h.opts, 0)
				roomLong := MaxRecordLimit - pk.head(long, otlp.Traces, headers)
				roomP := MaxRecordLimit - pk.head("p", otlp.Traces, nil)
				ev := &processor.Event{LogGroup: "/aws/lambda/x", LogStream: "s", Owner: "123456789012", Region: "us-east-1", Message: "the line"}
				// A request whose item is gap bytes under the tenanted collector's room.
				want := roomLong - gap
				n := want - 300
				var raw []byte
				size := 0
				for range 10 {
					raw = spanRequest(t, "s", noise(5, n, b64Alphabet))
					it := record.Item{Source: "svc", LogGroup: ev.LogGroup, LogStream: ev.LogStream, Owner: ev.Owner, Region: ev.Region, Shard: "shardId-000000000003", Seq: "1"}
					fill(&it, raw, nil, 1, false)
					if size = record.ItemSize(&it); size == want {
						break
					}
					n += want - size
				}
				if size != want {
					t.Fatalf("cannot make an item of %d bytes (got %d)", want, size)
				}
				tb, err := hs.h.routes.Table(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				b := newBatch(hs.h, tb, 1, 999) // bucket 999: the longest key
				rec := kinesisRecord("1", nil)
				b.records[0] = &rec
				tel := &processor.Telemetry{Signal: otlp.Traces, Source: "svc", Headers: headers, Proto: raw, Stats: otlp.Stats{Items: 1}}
				for range 3 {
					b.routeOrDeadLetter(0, ev, tel, "shardId-000000000003", "1")
				}
				b.finish()
				b.write(context.Background())
				checkEntrySizes(t, hs, MaxRecordLimit)
				ids := testIDs(t, hs.written(t))
				wantP, wantLong := 0, 0
				if size <= roomP {
					wantP = 3
				}
				if size <= roomLong {
					wantLong = 3
				}
				if len(ids["p"]) != wantP || len(ids[long]) != wantLong || b.stats.DeadLetters != 6-wantP-wantLong {
					t.Fatalf("item of %d bytes (rooms %d and %d): written %d and %d, %d dead letters; want %d, %d and %d",
						size, roomP, roomLong, len(ids["p"]), len(ids[long]), b.stats.DeadLetters, wantP, wantLong, 6-wantP-wantLong)
				}
				for _, e := range hs.kin.Written() {
					// Three records a collector, from bucket 999 on.
					if k := aws.ToString(e.PartitionKey); !strings.HasSuffix(k, "#999") && !strings.HasSuffix(k, "#0") && !strings.HasSuffix(k, "#1") {
						t.Fatalf("partition key %q", k)
					}
				}
			})
		}
	}
}

// The record size limit is at most what a Kinesis record holds with the
// longest partition key; more is refused, by New and by FromEnv.
func TestMaxRecordBytesBounded(t *testing.T) {
	if MaxRecordLimit != 1_048_320 {
		t.Fatalf("MaxRecordLimit %d", MaxRecordLimit)
	}
	for _, n := range []int{MaxRecordLimit + 1, 10 << 20, MinRecordBytes - 1} {
		_, err := New(table(t, collector("a")), discard{}, discard{}, Options{MaxRecordBytes: n})
		if err == nil || !strings.Contains(err.Error(), "MaxRecordBytes") {
			t.Fatalf("New with MaxRecordBytes %d: %v, want refused", n, err)
		}
	}
	for _, n := range []int{MaxRecordLimit, MinRecordBytes, 0} {
		if _, err := New(table(t, collector("a")), discard{}, discard{}, Options{MaxRecordBytes: n}); err != nil {
			t.Fatalf("New with MaxRecordBytes %d: %v", n, err)
		}
	}
	env := map[string]string{
		EnvExportStream: "export", EnvDLQURL: "http://sqs/dlq", "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret",
		"OTLPFWD_COLLECTORS": `[{"name":"a","endpoint":"http://127.0.0.1:4318"}]`,
		EnvMaxRecordBytes:    "1048577",
	}
	_, err := FromEnv(context.Background(), func(k string) string { return env[k] }, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), EnvMaxRecordBytes+"=1048577") || !strings.Contains(err.Error(), "at most 1048320") {
		t.Fatalf("FromEnv with %s=1048577: %v, want refused naming the variable and the limit", EnvMaxRecordBytes, err)
	}
	env[EnvMaxRecordBytes] = "1048320"
	if _, err := FromEnv(context.Background(), func(k string) string { return env[k] }, &bytes.Buffer{}); err != nil {
		t.Fatalf("FromEnv with %s=1048320: %v", EnvMaxRecordBytes, err)
	}
	// A DLQ message above SQS's 1 MiB would fail every dead letter.
	env[EnvDLQMaxMessageSize] = "1048577"
	_, err = FromEnv(context.Background(), func(k string) string { return env[k] }, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), EnvDLQMaxMessageSize+"=1048577") {
		t.Fatalf("FromEnv with %s=1048577: %v, want refused", EnvDLQMaxMessageSize, err)
	}
	if _, err := New(table(t, collector("a")), discard{}, discard{}, Options{DLQMaxMessageBytes: 1<<20 + 1}); err == nil {
		t.Fatal("New with a DLQ message size above 1 MiB succeeded")
	}
}

// The passed header set is capped at MaxPassedHeaderBytes, in name order,
// the same way every time.
func TestPassedHeadersCapped(t *testing.T) {
	c := &route.Collector{Name: "c", PassHeaders: []string{"x-a", "x-b", "x-c", "x-d"}}
	h := map[string]string{
		"X-A": strings.Repeat("a", 3000), "x-b": strings.Repeat("b", 6000), "X-C": strings.Repeat("c", 5000),
		"x-d": "d", "authorization": "secret",
	}
	for range 20 {
		got, dropped := passed(c, h)
		if len(got) != 3 || len(got["x-a"]) != 3000 || len(got["x-c"]) != 5000 || got["x-d"] != "d" || fmt.Sprint(dropped) != "[x-b]" {
			t.Fatalf("passed %d headers, dropped %v: want x-a, x-c and x-d, x-b dropped", len(got), dropped)
		}
	}
	if got, dropped := passed(c, map[string]string{"x-a": "1"}); len(got) != 1 || dropped != nil {
		t.Fatalf("%v %v", got, dropped)
	}
}
