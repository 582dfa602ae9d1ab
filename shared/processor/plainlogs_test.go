package processor

import (
	"errors"
	"strings"
	"testing"

	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/slim/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/slim/otlp/resource/v1"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

func plainEvent(msg string) *Event {
	ev := lambdaEvent(msg)
	ev.PlainLogs = true
	return ev
}

const reqID = "0cce2b6e-0d88-484c-ac45-666bd3dee64a"

// TestPlainLogsFixtures checks every field of the log records made from
// the documented line shapes.
func TestPlainLogsFixtures(t *testing.T) {
	in := cases(t, "plain-logs.json")
	invocation := []*commonpb.KeyValue{kvStr(AttrInvocationID, reqID)}
	tests := []struct {
		name string
		want *logspb.LogRecord
	}{
		{"node-text", &logspb.LogRecord{SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_INFO, SeverityText: "INFO",
			Body: strValue("Loading order 42 from the database"), Attributes: invocation}},
		{"node-outside-invocation", &logspb.LogRecord{SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_WARN, SeverityText: "WARN",
			Body: strValue("config file missing, using defaults")}},
		{"python-text", &logspb.LogRecord{SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_ERROR, SeverityText: "ERROR",
			Body: strValue("payment declined for order 42"), Attributes: invocation}},
		{"python-runtime-error", &logspb.LogRecord{SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_ERROR, SeverityText: "ERROR",
			Body: strValue("[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'requests'\nTraceback (most recent call last):")}},
		{"prefix", &logspb.LogRecord{SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_WARN, SeverityText: "WARN",
			Body: strValue("WARN cache miss for key orders/42")}},
		{"plain", &logspb.LogRecord{Body: strValue("plain text line without any JSON {not json")}},
		{"timeout", &logspb.LogRecord{Body: strValue("2026-11-24T11:15:33.001Z 0cce2b6e-0d88-484c-ac45-666bd3dee64a Task timed out after 3.00 seconds")}},
		{"json-lambda", &logspb.LogRecord{SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_INFO, SeverityText: "INFO",
			Body: kvlist(kvStr("timestamp", "2023-10-27T19:17:45.586Z"), kvStr("level", "INFO"),
				kvStr("message", "some log message"), kvStr("requestId", "79b4f56e-95b1-4643-9700-2807f4e68189"))}},
		{"json-pino", &logspb.LogRecord{SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_ERROR, SeverityText: "ERROR",
			Body: kvlist(kvInt("level", 50), kvInt("time", 1795518930040), kvInt("pid", 8), kvStr("msg", "order rejected"),
				kvInt("orderId", 42), kvStr("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"), kvStr("span_id", "00f067aa0ba902b7")),
			TraceId: mustHex(t, "4bf92f3577b34da6a3ce929d0e0e4736"), SpanId: mustHex(t, "00f067aa0ba902b7")}},
		{"json-dotnet", &logspb.LogRecord{SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_INFO, SeverityText: "Information",
			Body: kvlist(kvStr("timestamp", "2024-04-26T00:40:04.236Z"), kvStr("level", "Information"),
				kvStr("requestId", "6ebb975f-b9fb-41e9-81f5-ab96586fb42e"),
				kvStr("traceId", "Root=1-662af7e3-7076fd596550114013d8cd03;Parent=69ab02fe14dc7380;Sampled=0;Lineage=1:4d5e6f7a:0"),
				kvStr("message", "The input provided is: hello")),
			TraceId: mustHex(t, "662af7e37076fd596550114013d8cd03"), SpanId: mustHex(t, "69ab02fe14dc7380")}},
		{"json-powertools", &logspb.LogRecord{SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_INFO, SeverityText: "INFO",
			Body: kvlist(kvStr("level", "INFO"), kvStr("location", "collect_payment:14"), kvStr("message", "Collecting payment"),
				kvStr("timestamp", "2021-05-03 11:47:12,494+0200"), kvStr("service", "payment"), kvBool("cold_start", true),
				kvStr("function_name", "test"), kvInt("function_memory_size", 128),
				kvStr("function_request_id", "52fdfc07-2182-154f-163f-5f0f9a621d72"),
				kvStr("xray_trace_id", "1-5759e988-bd862e3fe1be46a994272793")),
			TraceId: mustHex(t, "5759e988bd862e3fe1be46a994272793")}},
		{"json-nested-message", &logspb.LogRecord{SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_WARN, SeverityText: "WARN",
			Body: kvlist(kvStr("timestamp", "2026-11-24T11:15:30.050Z"), kvStr("level", "WARN"), kvStr("requestId", reqID),
				kv("message", kvlist(kvStr("event", "retry"), kvInt("attempt", 2),
					kvStr("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")))),
			TraceId: mustHex(t, "5759e988bd862e3fe1be46a994272793"), SpanId: mustHex(t, "53995c3f42cd8ad8"), Flags: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel := one(t, PlainLogs{}, plainEvent(in[tt.name]))
			if tel.Signal != otlp.Logs || tel.Source != "checkout-api" || tel.Processor != "plain-logs" || !tel.Mergeable || !tel.PlainLogs {
				t.Fatalf("telemetry %+v", tel)
			}
			if tel.Stats != (otlp.Stats{Resources: 1, Scopes: 1, Items: 1}) {
				t.Fatalf("stats %+v", tel.Stats)
			}
			tt.want.TimeUnixNano, tt.want.ObservedTimeUnixNano = ts(), ts()
			sameProto(t, tt.name, decodeLogs(t, tel.Proto), &collogs.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
				Resource: &resourcepb.Resource{Attributes: lambdaResource()},
				ScopeLogs: []*logspb.ScopeLogs{{
					Scope:      &commonpb.InstrumentationScope{Name: PlainLogsScope},
					LogRecords: []*logspb.LogRecord{tt.want},
				}},
			}}})
		})
	}
}

// Lambda's own lines are not application logs, and without PlainLogs set
// nothing is.
func TestPlainLogsLeavesAlone(t *testing.T) {
	in := cases(t, "plain-logs.json")
	for _, name := range []string{"platform-start", "platform-end", "platform-init-start", "platform-json-start"} {
		if _, err := (PlainLogs{}).Process(plainEvent(in[name]), nil); !errors.Is(err, ErrNotMine) {
			t.Fatalf("%s: error %v, want ErrNotMine", name, err)
		}
	}
	for _, msg := range []string{"", "\n", " \r\n", "RESTORE_REPORT Restore Duration: 1 ms", "EXTENSION Name: x State: Ready"} {
		if _, err := (PlainLogs{}).Process(plainEvent(msg), nil); !errors.Is(err, ErrNotMine) {
			t.Fatalf("%q: error %v, want ErrNotMine", msg, err)
		}
	}
	ev := plainEvent(in["node-text"])
	ev.PlainLogs = false
	if _, err := (PlainLogs{}).Process(ev, nil); !errors.Is(err, ErrNotMine) {
		t.Fatalf("without PlainLogs: error %v, want ErrNotMine", err)
	}
}

func TestPlainLogsEdgeShapes(t *testing.T) {
	tests := []struct {
		name, msg string
		check     func(t *testing.T, r *logspb.LogRecord)
	}{
		{"invalid utf-8 kept as text", "caf\xe9 ERROR", func(t *testing.T, r *logspb.LogRecord) {
			if r.GetBody().GetStringValue() != "caf\uFFFD ERROR" {
				t.Fatalf("body %q", r.GetBody().GetStringValue())
			}
		}},
		{"json array is text", `[1,2,3]`, func(t *testing.T, r *logspb.LogRecord) {
			if r.GetBody().GetStringValue() != "[1,2,3]" {
				t.Fatalf("body %v", r.GetBody())
			}
		}},
		{"json with trailing text is text", `{"a":1} and more`, func(t *testing.T, r *logspb.LogRecord) {
			if r.GetBody().GetStringValue() != `{"a":1} and more` {
				t.Fatalf("body %v", r.GetBody())
			}
		}},
		{"too deep json is text", strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40), func(t *testing.T, r *logspb.LogRecord) {
			if !strings.HasPrefix(r.GetBody().GetStringValue(), `{"a":{"a":`) {
				t.Fatalf("body %v", r.GetBody())
			}
		}},
		{"null members dropped, nested arrays kept", `{"a":null,"b":[null,{"c":1.5}],"d":1e999}`, func(t *testing.T, r *logspb.LogRecord) {
			sameProto(t, "body", r.GetBody(), kvlist(
				kv("b", arr(&commonpb.AnyValue{}, kvlist(kvDouble("c", 1.5)))),
				kvStr("d", "1e999")))
		}},
		{"bad ids ignored", `{"level":"debug","traceId":"nothex","spanId":"00f067aa0ba902b7"}`, func(t *testing.T, r *logspb.LogRecord) {
			if r.TraceId != nil || r.SpanId != nil || r.SeverityNumber != logspb.SeverityNumber_SEVERITY_NUMBER_DEBUG {
				t.Fatalf("record %v", r)
			}
		}},
		{"lower-case prefix is not a level", "info: starting", func(t *testing.T, r *logspb.LogRecord) {
			if r.SeverityNumber != 0 {
				t.Fatalf("severity %v", r.SeverityNumber)
			}
		}},
		{"unknown bracket", "[abc] hello", func(t *testing.T, r *logspb.LogRecord) {
			if r.SeverityNumber != 0 || r.GetBody().GetStringValue() != "[abc] hello" {
				t.Fatalf("record %v", r)
			}
		}},
		{"levelname and critical", `{"levelname":"CRITICAL","msg":"x"}`, func(t *testing.T, r *logspb.LogRecord) {
			if r.SeverityNumber != logspb.SeverityNumber_SEVERITY_NUMBER_FATAL || r.SeverityText != "CRITICAL" {
				t.Fatalf("record %v", r)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel := one(t, PlainLogs{}, plainEvent(tt.msg))
			tt.check(t, decodeLogs(t, tel.Proto).ResourceLogs[0].ScopeLogs[0].LogRecords[0])
		})
	}
}

func TestParseXRay(t *testing.T) {
	for _, tt := range []struct {
		in            string
		trace, parent string
		sampled, ok   bool
	}{
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", "5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true, true},
		{"Root=1-5759e988-bd862e3fe1be46a994272793", "5759e988bd862e3fe1be46a994272793", "", false, true},
		{"1-5759e988-bd862e3fe1be46a994272793", "5759e988bd862e3fe1be46a994272793", "", false, true},
		{"Parent=53995c3f42cd8ad8;Sampled=1", "", "", false, false},
		{"Root=2-5759e988-bd862e3fe1be46a994272793", "", "", false, false},
		{"5759e988bd862e3fe1be46a994272793", "", "", false, false},
	} {
		h, ok := parseXRay(tt.in)
		if ok != tt.ok || (ok && (string(h.trace) != string(mustHex(t, tt.trace)) || h.sampled != tt.sampled)) {
			t.Fatalf("%q: %x %v %v", tt.in, h.trace, h.sampled, ok)
		}
		if tt.parent != "" && string(h.parent) != string(mustHex(t, tt.parent)) {
			t.Fatalf("%q: parent %x", tt.in, h.parent)
		}
	}
}
