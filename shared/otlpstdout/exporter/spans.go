package exporter

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/slim/otlp/trace/v1"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// Spans is a trace.SpanExporter that writes each batch as one envelope
// line (several over the line cap) with the endpoint http://localhost:4318/v1/traces. It is safe for
// concurrent use.
type Spans struct{ c *core }

var _ sdktrace.SpanExporter = (*Spans)(nil)

// NewSpans returns a span exporter configured by o and the environment
// (see the package documentation). It fails on a configuration that does
// not parse, naming every problem.
func NewSpans(o Options) (*Spans, error) {
	c, err := newCore(otlp.Traces, o, nil)
	if err != nil {
		return nil, err
	}
	return &Spans{c: c}, nil
}

// ExportSpans writes spans as one line, or several over the line cap
// (Options.MaxLineBytes). An empty batch writes nothing but,
// with pipe output, opens and closes the pipe (the reference's "pipe
// touch", which tells the reader the flush is complete). After Shutdown it
// returns ErrShutdown.
func (e *Spans) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if !e.c.gate.enter() {
		return ErrShutdown
	}
	defer e.c.gate.leave()
	req, n := traceRequest(spans)
	return e.c.write(ctx, req, n)
}

// Shutdown stops the exporter, waiting within ctx for exports in flight.
// Later calls do nothing.
func (e *Spans) Shutdown(ctx context.Context) error { return e.c.shutdown(ctx) }

// ForceFlush returns at once: lines are written before ExportSpans returns.
func (e *Spans) ForceFlush(ctx context.Context) error { return e.c.forceFlush(ctx) }

// traceRequest groups spans by resource and scope, in the order they are
// first seen, and returns the request with the number of spans in it.
func traceRequest(spans []sdktrace.ReadOnlySpan) (*coltracepb.ExportTraceServiceRequest, int) {
	req := &coltracepb.ExportTraceServiceRequest{}
	type scopeKey struct {
		res   attribute.Distinct
		scope instrumentation.Scope
	}
	var (
		resources map[attribute.Distinct]*tracepb.ResourceSpans
		scopes    map[scopeKey]*tracepb.ScopeSpans
		n         int
	)
	for _, sd := range spans {
		if sd == nil {
			continue
		}
		if resources == nil {
			resources = make(map[attribute.Distinct]*tracepb.ResourceSpans)
			scopes = make(map[scopeKey]*tracepb.ScopeSpans)
		}
		res := sd.Resource()
		rk := res.Equivalent()
		rs := resources[rk]
		if rs == nil {
			rs = &tracepb.ResourceSpans{Resource: resourceProto(res), SchemaUrl: validUTF8(res.SchemaURL())}
			resources[rk] = rs
			req.ResourceSpans = append(req.ResourceSpans, rs)
		}
		sc := sd.InstrumentationScope()
		sk := scopeKey{rk, sc}
		ss := scopes[sk]
		if ss == nil {
			ss = &tracepb.ScopeSpans{Scope: scopeProto(sc), SchemaUrl: validUTF8(sc.SchemaURL)}
			scopes[sk] = ss
			rs.ScopeSpans = append(rs.ScopeSpans, ss)
		}
		ss.Spans = append(ss.Spans, spanProto(sd))
		n++
	}
	return req, n
}

func spanProto(sd sdktrace.ReadOnlySpan) *tracepb.Span {
	sc := sd.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	st := sd.Status()
	s := &tracepb.Span{
		TraceId:                tid[:],
		SpanId:                 sid[:],
		TraceState:             validUTF8(sc.TraceState().String()),
		Name:                   validUTF8(sd.Name()),
		Kind:                   spanKind(sd.SpanKind()),
		StartTimeUnixNano:      unixNano(sd.StartTime()),
		EndTimeUnixNano:        unixNano(sd.EndTime()),
		Attributes:             keyValues(sd.Attributes()),
		DroppedAttributesCount: clampUint32(sd.DroppedAttributes()),
		Events:                 events(sd.Events()),
		DroppedEventsCount:     clampUint32(sd.DroppedEvents()),
		Links:                  links(sd.Links()),
		DroppedLinksCount:      clampUint32(sd.DroppedLinks()),
		Status:                 &tracepb.Status{Code: statusCode(st.Code), Message: validUTF8(st.Description)},
	}
	parent := sd.Parent()
	if psid := parent.SpanID(); psid.IsValid() {
		s.ParentSpanId = psid[:]
	}
	s.Flags = spanFlags(sc.TraceFlags(), parent.IsRemote())
	return s
}

// spanFlags is the W3C trace flags plus the OTLP bits that say whether the
// parent (or linked span) is remote.
func spanFlags(tf trace.TraceFlags, remote bool) uint32 {
	f := uint32(tf) | uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK)
	if remote {
		f |= uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK)
	}
	return f
}

func events(es []sdktrace.Event) []*tracepb.Span_Event {
	if len(es) == 0 {
		return nil
	}
	out := make([]*tracepb.Span_Event, len(es))
	for i, e := range es {
		out[i] = &tracepb.Span_Event{
			Name:                   validUTF8(e.Name),
			TimeUnixNano:           unixNano(e.Time),
			Attributes:             keyValues(e.Attributes),
			DroppedAttributesCount: clampUint32(e.DroppedAttributeCount),
		}
	}
	return out
}

func links(ls []sdktrace.Link) []*tracepb.Span_Link {
	if len(ls) == 0 {
		return nil
	}
	out := make([]*tracepb.Span_Link, len(ls))
	for i, l := range ls {
		tid, sid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
		out[i] = &tracepb.Span_Link{
			TraceId:                tid[:],
			SpanId:                 sid[:],
			TraceState:             validUTF8(l.SpanContext.TraceState().String()),
			Attributes:             keyValues(l.Attributes),
			DroppedAttributesCount: clampUint32(l.DroppedAttributeCount),
			Flags:                  spanFlags(l.SpanContext.TraceFlags(), l.SpanContext.IsRemote()),
		}
	}
	return out
}

func spanKind(k trace.SpanKind) tracepb.Span_SpanKind {
	switch k {
	case trace.SpanKindInternal:
		return tracepb.Span_SPAN_KIND_INTERNAL
	case trace.SpanKindServer:
		return tracepb.Span_SPAN_KIND_SERVER
	case trace.SpanKindClient:
		return tracepb.Span_SPAN_KIND_CLIENT
	case trace.SpanKindProducer:
		return tracepb.Span_SPAN_KIND_PRODUCER
	case trace.SpanKindConsumer:
		return tracepb.Span_SPAN_KIND_CONSUMER
	}
	return tracepb.Span_SPAN_KIND_UNSPECIFIED
}

func statusCode(c codes.Code) tracepb.Status_StatusCode {
	switch c {
	case codes.Ok:
		return tracepb.Status_STATUS_CODE_OK
	case codes.Error:
		return tracepb.Status_STATUS_CODE_ERROR
	}
	return tracepb.Status_STATUS_CODE_UNSET
}
