package processor

import (
	"fmt"
	"strings"

	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/slim/otlp/logs/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// PlainLogsScope names the instrumentation scope of plain log records.
const PlainLogsScope = "otlpfwd/plain-logs"

// AttrInvocationID is the semantic convention for the Lambda request id,
// set on records whose line carried it in the runtime's text prefix.
const AttrInvocationID = "faas.invocation_id"

// PlainLogs turns an ordinary log line into an OTLP log record. It only
// acts on events with PlainLogs set (some collector asked for them), and
// only on lines no earlier processor of the chain claimed. Lines Lambda
// writes itself (START, END, REPORT, INIT_*, RESTORE_*, EXTENSION,
// TELEMETRY, and JSON platform.* records) are not application logs and are
// left alone: REPORT already becomes metrics, and the rest would add
// three records per invocation that say nothing about the application.
//
// The record: the event's time (as time and observed time); the severity
// of the line (see textSeverity, or a JSON object's "level", "levelname",
// "severity" or "log.level", names or pino numbers); the body, a string,
// or for a JSON object the object itself as a key/value list, its key
// order kept; the trace context of a JSON object's traceId/trace_id and
// spanId/span_id (hex), or of an X-Ray header or id in "traceId",
// "AWS-XRAY-TRACE-ID", "_X_AMZN_TRACE_ID", "xray_trace_id" or
// "X-Amzn-Trace-Id" ("Root=1-...;Parent=...;Sampled=1": Root is the trace
// id, Parent the span id, Sampled=1 the sampled flag). The resource is
// that of LineSource: service.name, faas.name and faas.version for a
// Lambda log group, and the log group and stream (otlp.AWSResource).
type PlainLogs struct{}

// Name returns "plain-logs".
func (PlainLogs) Name() string { return "plain-logs" }

// Process turns an ordinary line into a logs request.
func (p PlainLogs) Process(ev *Event, dst []Telemetry) ([]Telemetry, error) {
	if !ev.PlainLogs {
		return dst, ErrNotMine
	}
	line := trimLine(ev.Message)
	if strings.TrimSpace(line) == "" || isPlatformLine(line) {
		return dst, ErrNotMine
	}
	rec := plainRecord(line)
	rec.TimeUnixNano = unixNano(ev)
	rec.ObservedTimeUnixNano = rec.TimeUnixNano
	req := &collogs.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		Resource: lineResource(ev),
		ScopeLogs: []*logspb.ScopeLogs{{
			Scope:      &commonpb.InstrumentationScope{Name: PlainLogsScope},
			LogRecords: []*logspb.LogRecord{rec},
		}},
	}}}
	b, err := proto.Marshal(req)
	if err != nil {
		return dst, fmt.Errorf("encode log record: %w", err)
	}
	return append(dst, Telemetry{
		Signal: otlp.Logs, Source: LineSource(ev.LogGroup), Proto: b,
		Processor: p.Name(), PlainLogs: true, Mergeable: true,
	}), nil
}

// plainRecord is the log record of one line, without its times.
func plainRecord(line string) *logspb.LogRecord {
	line = strings.ToValidUTF8(line, "\uFFFD")
	if line[0] == '{' {
		if rec, ok := jsonRecord(line); ok {
			return rec
		}
	}
	sev, text, msg, reqID := textSeverity(line)
	rec := &logspb.LogRecord{SeverityNumber: sev, SeverityText: text, Body: strValue(msg)}
	if reqID != "" {
		rec.Attributes = []*commonpb.KeyValue{strAttr(AttrInvocationID, reqID)}
	}
	return rec
}

// jsonRecord makes the record of a line that is one JSON object; ok is
// false for anything else (which is then a text line).
func jsonRecord(line string) (*logspb.LogRecord, bool) {
	body, err := anyValueJSON([]byte(line))
	if err != nil {
		return nil, false
	}
	kv, ok := body.GetValue().(*commonpb.AnyValue_KvlistValue)
	if !ok {
		return nil, false
	}
	rec := &logspb.LogRecord{Body: body}
	fields := kv.KvlistValue.Values
	rec.SeverityNumber, rec.SeverityText = jsonSeverity(fields)
	traceContext(rec, fields)
	if rec.TraceId == nil {
		// Lambda's JSON log format may nest the application's object in
		// "message".
		for _, f := range fields {
			if f.Key == "message" {
				if inner, ok := f.GetValue().GetValue().(*commonpb.AnyValue_KvlistValue); ok {
					traceContext(rec, inner.KvlistValue.Values)
				}
			}
		}
	}
	return rec, true
}

// levelKeys name a JSON log's level, in order of preference.
var levelKeys = []string{"level", "levelname", "severity", "log.level"}

func jsonSeverity(fields []*commonpb.KeyValue) (logspb.SeverityNumber, string) {
	for _, key := range levelKeys {
		for _, f := range fields {
			if f.Key != key {
				continue
			}
			switch v := f.GetValue().GetValue().(type) {
			case *commonpb.AnyValue_StringValue:
				return severityOf(v.StringValue), v.StringValue
			case *commonpb.AnyValue_IntValue:
				return numericSeverity(fmt.Sprint(v.IntValue))
			}
		}
	}
	return 0, ""
}

// traceKeys hold a W3C trace or span id (hex); xrayKeys an X-Ray trace
// header or id ("traceId" may hold either: .NET's JSON format writes the
// X-Ray header there).
var (
	traceIDKeys = []string{"traceId", "trace_id"}
	spanIDKeys  = []string{"spanId", "span_id"}
	xrayKeys    = []string{"AWS-XRAY-TRACE-ID", "_X_AMZN_TRACE_ID", "xray_trace_id", "X-Amzn-Trace-Id", "traceId", "trace_id"}
)

// traceContext sets rec's trace context from the JSON fields, when they
// hold one; values that are not ids are ignored.
func traceContext(rec *logspb.LogRecord, fields []*commonpb.KeyValue) {
	str := func(keys []string, use func(string) bool) {
		for _, k := range keys {
			if s, ok := attrString(fields, k); ok && use(s) {
				return
			}
		}
	}
	str(traceIDKeys, func(s string) bool {
		if len(s) != 32 {
			return false
		}
		t, err := traceID(s)
		rec.TraceId = t
		return err == nil
	})
	str(spanIDKeys, func(s string) bool {
		sp, err := spanID(s)
		rec.SpanId = sp
		return err == nil
	})
	if rec.TraceId != nil {
		return
	}
	rec.SpanId = nil
	str(xrayKeys, func(s string) bool {
		h, ok := parseXRay(s)
		if !ok {
			return false
		}
		rec.TraceId, rec.SpanId = h.trace, h.parent
		if h.sampled {
			rec.Flags = 1
		}
		return true
	})
}
