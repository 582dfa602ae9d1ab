package exporter

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	collogspb "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	cpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/slim/otlp/logs/v1"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// Logs is an sdk/log Exporter that writes each batch as one envelope line
// (several over the line cap) with the endpoint http://localhost:4318/v1/logs. It is safe for
// concurrent use.
type Logs struct{ c *core }

var _ sdklog.Exporter = (*Logs)(nil)

// NewLogs returns a log exporter configured by o and the environment (see
// the package documentation); OTEL_EXPORTER_OTLP_LOGS_HEADERS is its
// signal's header variable. It fails on a configuration that does not
// parse, naming every problem.
func NewLogs(o Options) (*Logs, error) {
	c, err := newCore(otlp.Logs, o, nil)
	if err != nil {
		return nil, err
	}
	return &Logs{c: c}, nil
}

// Export writes records as one line, or several over the line cap
// (Options.MaxLineBytes); no records writes nothing but
// touches a named pipe. After Shutdown it returns
// sdklog.ErrExporterShutdown. It does not retain or modify records.
func (e *Logs) Export(ctx context.Context, records []sdklog.Record) error {
	if !e.c.gate.enter() {
		return sdklog.ErrExporterShutdown
	}
	defer e.c.gate.leave()
	req, n := logsRequest(records)
	return e.c.write(ctx, req, n)
}

// Shutdown stops the exporter, waiting within ctx for exports in flight.
// Later calls do nothing and return nil.
func (e *Logs) Shutdown(ctx context.Context) error { return e.c.shutdown(ctx) }

// ForceFlush returns at once: lines are written before Export returns.
func (e *Logs) ForceFlush(ctx context.Context) error { return e.c.forceFlush(ctx) }

// logsRequest groups records by resource and scope, in the order they are
// first seen.
func logsRequest(records []sdklog.Record) (*collogspb.ExportLogsServiceRequest, int) {
	req := &collogspb.ExportLogsServiceRequest{}
	if len(records) == 0 {
		return req, 0
	}
	type scopeKey struct {
		res   attribute.Distinct
		scope instrumentation.Scope
	}
	resources := make(map[attribute.Distinct]*logspb.ResourceLogs)
	scopes := make(map[scopeKey]*logspb.ScopeLogs)
	for i := range records {
		r := &records[i]
		res := r.Resource()
		rk := res.Equivalent()
		rl := resources[rk]
		if rl == nil {
			rl = &logspb.ResourceLogs{Resource: resourceProto(res), SchemaUrl: validUTF8(res.SchemaURL())}
			resources[rk] = rl
			req.ResourceLogs = append(req.ResourceLogs, rl)
		}
		sc := r.InstrumentationScope()
		sk := scopeKey{rk, sc}
		sl := scopes[sk]
		if sl == nil {
			sl = &logspb.ScopeLogs{Scope: scopeProto(sc), SchemaUrl: validUTF8(sc.SchemaURL)}
			scopes[sk] = sl
			rl.ScopeLogs = append(rl.ScopeLogs, sl)
		}
		sl.LogRecords = append(sl.LogRecords, logRecord(r))
	}
	return req, len(records)
}

func logRecord(r *sdklog.Record) *logspb.LogRecord {
	out := &logspb.LogRecord{
		TimeUnixNano:           unixNano(r.Timestamp()),
		ObservedTimeUnixNano:   unixNano(r.ObservedTimestamp()),
		SeverityNumber:         severity(r.Severity()),
		SeverityText:           validUTF8(r.SeverityText()),
		EventName:              validUTF8(r.EventName()),
		DroppedAttributesCount: clampUint32(r.DroppedAttributes()),
		Flags:                  uint32(r.TraceFlags()),
	}
	if body := r.Body(); body.Type() != attribute.EMPTY {
		out.Body = anyValue(body)
	}
	if n := r.AttributesLen(); n > 0 {
		out.Attributes = make([]*cpb.KeyValue, 0, n)
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			out.Attributes = append(out.Attributes, keyValue(kv))
			return true
		})
	}
	if tid := r.TraceID(); tid.IsValid() {
		out.TraceId = tid[:]
	}
	if sid := r.SpanID(); sid.IsValid() {
		out.SpanId = sid[:]
	}
	return out
}

// severity maps the API's severity, whose numbers are OTLP's (1 TRACE to
// 24 FATAL4); anything else is unspecified.
func severity(s log.Severity) logspb.SeverityNumber {
	if s < log.SeverityTrace1 || s > log.SeverityFatal4 {
		return logspb.SeverityNumber_SEVERITY_NUMBER_UNSPECIFIED
	}
	return logspb.SeverityNumber(s)
}
