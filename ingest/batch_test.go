package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/cwlogs"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/processor"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// processorCases reads the named cases of a shared/processor testdata
// file: strings as they are, objects as compact JSON in their key order.
func processorCases(t *testing.T, file string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "shared", "processor", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var named map[string]json.RawMessage
	if err := json.Unmarshal(raw, &named); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for name, v := range named {
		if v[0] == '"' {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				t.Fatal(err)
			}
			out[name] = s
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			t.Fatal(err)
		}
		out[name] = buf.String()
	}
	return out
}

// content is what the tier-2 records of one collector carry, decoded.
type content struct {
	records    map[otlp.Signal]int // tier-2 records
	items      map[otlp.Signal]int // spans, data points, log records
	payloads   map[otlp.Signal]int // tier-2 items (requests)
	plainLogs  int                 // log records of the plain-logs scope
	metricName map[string]int      // data points per metric name
	services   map[string]bool     // service.name of every resource
}

// contents decodes every tier-2 record written, per collector.
func contents(t *testing.T, recs []*record.Record) map[string]*content {
	t.Helper()
	out := map[string]*content{}
	for _, r := range recs {
		c := out[r.Collector]
		if c == nil {
			c = &content{records: map[otlp.Signal]int{}, items: map[otlp.Signal]int{}, payloads: map[otlp.Signal]int{},
				metricName: map[string]int{}, services: map[string]bool{}}
			out[r.Collector] = c
		}
		c.records[r.Signal]++
		for _, it := range r.Items {
			raw, err := it.AppendRaw(nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			st, err := otlp.Scan(r.Signal, raw)
			if err != nil || st.Items != it.Items {
				t.Fatalf("tier-2 item: %v, %d items, says %d", err, st.Items, it.Items)
			}
			c.payloads[r.Signal]++
			c.items[r.Signal] += it.Items
			c.decode(t, r.Signal, raw)
		}
	}
	return out
}

func (c *content) decode(t *testing.T, sig otlp.Signal, raw []byte) {
	t.Helper()
	switch sig {
	case otlp.Traces:
		var m coltrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for _, rs := range m.ResourceSpans {
			c.service(rs.GetResource().GetAttributes())
		}
	case otlp.Metrics:
		var m colmetrics.ExportMetricsServiceRequest
		if err := proto.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for _, rm := range m.ResourceMetrics {
			c.service(rm.GetResource().GetAttributes())
			for _, sm := range rm.ScopeMetrics {
				for _, mt := range sm.Metrics {
					c.metricName[mt.Name] += len(mt.GetGauge().GetDataPoints()) + len(mt.GetSum().GetDataPoints()) +
						len(mt.GetHistogram().GetDataPoints()) + len(mt.GetExponentialHistogram().GetDataPoints()) + len(mt.GetSummary().GetDataPoints())
				}
			}
		}
	case otlp.Logs:
		var m collogs.ExportLogsServiceRequest
		if err := proto.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for _, rl := range m.ResourceLogs {
			c.service(rl.GetResource().GetAttributes())
			for _, sl := range rl.ScopeLogs {
				if sl.GetScope().GetName() == processor.PlainLogsScope {
					c.plainLogs += len(sl.LogRecords)
				}
			}
		}
	}
}

func (c *content) service(attrs []*commonpb.KeyValue) {
	for _, kv := range attrs {
		if kv.Key == "service.name" {
			c.services[kv.GetValue().GetStringValue()] = true
		}
	}
}

// payloadRecord wraps log events of one log group and stream as one
// subscription payload in one Kinesis record.
func payloadRecord(t *testing.T, seq, logGroup, logStream string, lines ...string) events.KinesisEventRecord {
	t.Helper()
	p := cwlogs.Payload{MessageType: cwlogs.DataMessage, Owner: "123456789012", LogGroup: logGroup, LogStream: logStream}
	for i, l := range lines {
		p.LogEvents = append(p.LogEvents, cwlogs.LogEvent{ID: cwlogs.EventID(seq + "-" + string(rune('a'+i))), Timestamp: 1795518930000 + int64(i), Message: l})
	}
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return kinesisRecord(seq, compress.Gzip(nil, js, 6))
}

// TestAWSSpansLoopGuardEndToEnd: spans from aws/spans reach the
// collectors outside AWS, merged per service, and never one on an AWS
// endpoint (whose OTLP ingestion would write them back into aws/spans);
// in-progress spans are counted and skipped, damaged ones dead-lettered.
func TestAWSSpansLoopGuardEndToEnd(t *testing.T) {
	spans := processorCases(t, "aws-spans.json")
	hs := newHarness(t, table(t,
		route.Collector{Name: "xray", Endpoint: "https://xray.us-east-1.amazonaws.com"},
		route.Collector{Name: "cw-otlp", Endpoint: "https://logs.eu-west-1.amazonaws.com"},
		route.Collector{Name: "tempo", Endpoint: "https://tempo.example.com"},
	), Options{})
	ev := events.KinesisEvent{Records: []events.KinesisEventRecord{payloadRecord(t, "1", route.SpansLogGroup, "default",
		spans["lambda-server"], spans["client-error"], spans["in-progress-null-end"], spans["agentcore-chat"],
		spans["with-links"], spans["in-progress-no-end"], spans["lambda-server"], `{"traceId":"nope"}`)}}
	resp, st, err := hs.h.Process(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("%v %v", err, resp.BatchItemFailures)
	}
	got := contents(t, hs.written(t))
	if _, ok := got["xray"]; ok {
		t.Fatal("aws/spans data was written for an AWS endpoint (xray)")
	}
	if _, ok := got["cw-otlp"]; ok {
		t.Fatal("aws/spans data was written for an AWS endpoint (cw-otlp)")
	}
	tempo := got["tempo"]
	if tempo == nil || tempo.items[otlp.Traces] != 5 || tempo.records[otlp.Traces] != 1 || len(tempo.items) != 1 {
		t.Fatalf("tempo got %+v, want the 5 ended spans in one tier-2 record", tempo)
	}
	// One request per service: the two lambda-server spans merged.
	if tempo.payloads[otlp.Traces] != 4 {
		t.Fatalf("%d tier-2 items, want 4 (one per service)", tempo.payloads[otlp.Traces])
	}
	want := []string{"MyAgent.DEFAULT", "checkout-api", "order-consumer", "stack-replay-recorder"}
	if svc := sortedKeys(tempo.services); !slices.Equal(svc, want) {
		t.Fatalf("services %v, want %v", svc, want)
	}
	if st.InProgressSpans != 2 || st.Undecodable != 1 || st.Items != 5 || st.Telemetry != 4 || st.Routed != 4 {
		t.Fatalf("stats %+v", st)
	}
	if dead := hs.deadLetters(t); len(dead) != 1 || dead[0].LogGroup != route.SpansLogGroup {
		t.Fatalf("dead letters %v, want the damaged span", dead)
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestMixedPayloadAllSignals runs one payload that mixes envelopes of all
// three signals with Lambda's START/END/REPORT lines and application lines
// (shared/testdata/cwlogs/mixed.json.gz), to a collector without and one
// with plain logs: each gets tier-2 records of every signal with exact
// counts, and only the one that asked gets the application lines as logs.
func TestMixedPayloadAllSignals(t *testing.T) {
	f := fixture.Load(t).Files["cwlogs/mixed.json.gz"]
	wantsPlain := collector("plain")
	wantsPlain.PlainLogs = true
	otherGroup := collector("plain-elsewhere")
	otherGroup.PlainLogs = true
	otherGroup.Match.LogGroups.Include = []string{"/aws/lambda/inventory-*"}
	hs := newHarness(t, table(t, collector("all"), wantsPlain, otherGroup), Options{})
	ev := events.KinesisEvent{Records: []events.KinesisEventRecord{kinesisRecord("9", fixture.Read(t, "cwlogs/mixed.json.gz"))}}
	resp, st, err := hs.h.Process(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 || st.Undecodable != 0 {
		t.Fatalf("%v %v %+v", err, resp.BatchItemFailures, st)
	}
	// The payload: 4 envelopes (12 spans, 9 data points, 5 log records),
	// START, END, one REPORT with Init Duration (5 data points), and two
	// text and two JSON application lines.
	const reportPoints, appLines = 5, 4
	got := contents(t, hs.written(t))
	for _, name := range []string{"all", "plain"} {
		c := got[name]
		if c == nil {
			t.Fatalf("nothing written for %s", name)
		}
		plain := 0
		if name == "plain" {
			plain = appLines
		}
		if c.items[otlp.Traces] != f.Spans || c.items[otlp.Metrics] != f.MetricDataPoints+reportPoints ||
			c.items[otlp.Logs] != f.LogRecords+plain || c.plainLogs != plain {
			t.Fatalf("%s got items %v (%d plain log records), want %d spans, %d data points, %d log records (%d plain)",
				name, c.items, c.plainLogs, f.Spans, f.MetricDataPoints+reportPoints, f.LogRecords+plain, plain)
		}
		for _, sig := range otlp.Signals {
			if c.records[sig] != 1 {
				t.Fatalf("%s: %d tier-2 records of %s, want 1", name, c.records[sig], sig)
			}
		}
		for _, m := range []string{processor.MetricDuration, processor.MetricBilledDuration, processor.MetricMemorySize,
			processor.MetricMaxMemoryUsed, processor.MetricInitDuration} {
			if c.metricName[m] != 1 {
				t.Fatalf("%s: %d points of %s, want 1", name, c.metricName[m], m)
			}
		}
	}
	// The plain lines of one payload travel as one request.
	if got["plain"].payloads[otlp.Logs] != got["all"].payloads[otlp.Logs]+1 {
		t.Fatalf("plain logs in %d tier-2 items, want 1", got["plain"].payloads[otlp.Logs]-got["all"].payloads[otlp.Logs])
	}
	if _, ok := got["plain-elsewhere"]; ok {
		t.Fatal("a collector whose rules exclude the log group got data")
	}
	if st.SkippedLines != 2 {
		t.Fatalf("skipped %d lines, want START and END", st.SkippedLines)
	}
}

// Without a collector that asked for plain logs, application lines are
// skipped, not converted.
func TestPlainLogsOnlyWhenAsked(t *testing.T) {
	hs := newHarness(t, table(t, collector("all")), Options{})
	plain := processorCases(t, "plain-logs.json")
	ev := events.KinesisEvent{Records: []events.KinesisEventRecord{payloadRecord(t, "1", "/aws/lambda/checkout-api",
		"2026/11/24/[$LATEST]05c1", plain["node-text"], plain["json-lambda"], plain["platform-start"])}}
	_, st, err := hs.h.Process(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if st.SkippedLines != 3 || st.Telemetry != 0 || len(hs.kin.Written()) != 0 {
		t.Fatalf("stats %+v, %d records written: want every line skipped", st, len(hs.kin.Written()))
	}
}
