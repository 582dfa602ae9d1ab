package processor

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// cases reads a testdata file of named cases: a string case is the
// message as is, an object case its compact JSON with the key order kept.
func cases(tb testing.TB, file string) map[string]string {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		tb.Fatal(err)
	}
	var named map[string]json.RawMessage
	if err := json.Unmarshal(raw, &named); err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	out := make(map[string]string, len(named))
	for name, v := range named {
		if v[0] == '"' {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				tb.Fatal(err)
			}
			out[name] = s
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			tb.Fatal(err)
		}
		out[name] = buf.String()
	}
	return out
}

// sortedNames lists the cases' names in order, for stable seeds.
func sortedNames(m map[string]string) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// eventTime is the CloudWatch timestamp of the test events.
var eventTime = time.UnixMilli(1795518930123)

const (
	testLogGroup  = "/aws/lambda/checkout-api"
	testLogStream = "2026/11/24/[$LATEST]05c121da17427ec96c0a13ae24801a28"
)

func lambdaEvent(msg string) *Event {
	return &Event{Owner: "123456789012", Region: "us-east-1", LogGroup: testLogGroup, LogStream: testLogStream,
		ID: "1", Time: eventTime, Message: msg}
}

// one runs p on ev and returns its one telemetry request, scanned as the
// Chain does.
func one(t *testing.T, p Processor, ev *Event) Telemetry {
	t.Helper()
	out, err := p.Process(ev, nil)
	if err != nil {
		t.Fatalf("%s: %v", p.Name(), err)
	}
	if len(out) != 1 {
		t.Fatalf("%s: %d requests, want 1", p.Name(), len(out))
	}
	st, err := otlp.Scan(out[0].Signal, out[0].Proto)
	if err != nil {
		t.Fatalf("%s made an invalid request: %v", p.Name(), err)
	}
	out[0].Stats = st
	return out[0]
}

func decodeTraces(t *testing.T, b []byte) *coltrace.ExportTraceServiceRequest {
	t.Helper()
	var m coltrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

func decodeMetrics(t *testing.T, b []byte) *colmetrics.ExportMetricsServiceRequest {
	t.Helper()
	var m colmetrics.ExportMetricsServiceRequest
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

func decodeLogs(t *testing.T, b []byte) *collogs.ExportLogsServiceRequest {
	t.Helper()
	var m collogs.ExportLogsServiceRequest
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// sameProto fails the test, showing both as JSON, unless got equals want
// in every field.
func sameProto(t *testing.T, what string, got, want proto.Message) {
	t.Helper()
	if !proto.Equal(got, want) {
		mo := protojson.MarshalOptions{Multiline: true}
		t.Fatalf("%s:\n got %s\nwant %s", what, mo.Format(got), mo.Format(want))
	}
}

func kv(k string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: v}
}
func kvStr(k, v string) *commonpb.KeyValue       { return kv(k, strValue(v)) }
func kvInt(k string, v int64) *commonpb.KeyValue { return kv(k, intValue(v)) }
func kvBool(k string, v bool) *commonpb.KeyValue {
	return kv(k, &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: v}})
}
func kvDouble(k string, v float64) *commonpb.KeyValue {
	return kv(k, &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: v}})
}
func arr(vs ...*commonpb.AnyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vs}}}
}
func kvlist(kvs ...*commonpb.KeyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: kvs}}}
}

// lambdaResource is the resource lineResource gives lambdaEvent.
func lambdaResource() []*commonpb.KeyValue {
	return []*commonpb.KeyValue{
		kvStr("service.name", "checkout-api"),
		kvStr("faas.name", "checkout-api"),
		kvStr("faas.version", "$LATEST"),
		kvStr("cloud.platform", "aws_lambda"),
		kvStr("cloud.provider", "aws"),
		kvStr("cloud.account.id", "123456789012"),
		kvStr("cloud.region", "us-east-1"),
		kv("aws.log.group.names", arr(strValue(testLogGroup))),
		kv("aws.log.stream.names", arr(strValue(testLogStream))),
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	var b []byte
	var err error
	if len(s) == 32 {
		b, err = traceID(s)
	} else {
		b, err = spanID(s)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}
