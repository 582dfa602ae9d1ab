package exporter

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	cpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	rpb "go.opentelemetry.io/proto/slim/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/slim/otlp/trace/v1"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
)

var t0 = time.Date(2026, 11, 24, 10, 15, 30, 123456789, time.UTC)

func ns(d time.Duration) uint64 { return uint64(t0.Add(d).UnixNano()) }

// seqIDs gives ids 01..., 02..., so that expected messages can name them.
type seqIDs struct{ n byte }

func (g *seqIDs) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	g.n++
	return trace.TraceID{0x7a, 15: g.n}, trace.SpanID{0x5b, 7: g.n}
}

func (g *seqIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	g.n++
	return trace.SpanID{0x5b, 7: g.n}
}

const schema = "https://opentelemetry.io/schemas/1.30.0"

var (
	remoteTrace = trace.TraceID{0xee, 15: 0x01}
	remoteSpan  = trace.SpanID{0xee, 7: 0x02}
	linkedTrace = trace.TraceID{0xdd, 15: 0x03}
	linkedSpan  = trace.SpanID{0xdd, 7: 0x04}
)

// testSpans makes spans that use every field of the OTLP span, from two
// resources and three scopes, with the real SDK.
func testSpans(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithResource(resource.NewWithAttributes(schema,
			attribute.String("service.name", "checkout-api"),
			attribute.Int("faas.max_memory", 536870912),
		)),
		sdktrace.WithIDGenerator(&seqIDs{}),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSpanProcessor(rec),
		sdktrace.WithSpanLimits(sdktrace.SpanLimits{
			AttributeValueLengthLimit:   -1,
			AttributeCountLimit:         16,
			EventCountLimit:             3,
			LinkCountLimit:              2,
			AttributePerEventCountLimit: 2,
			AttributePerLinkCountLimit:  2,
		}),
	)
	http := tp.Tracer("otlpfwd.test.http", trace.WithInstrumentationVersion("1.4.0"),
		trace.WithSchemaURL(schema), trace.WithInstrumentationAttributes(attribute.String("scope.attr", "x")))
	msg := tp.Tracer("otlpfwd.test.messaging", trace.WithInstrumentationVersion("0.9.2"))

	ts, err := trace.ParseTraceState("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
	if err != nil {
		t.Fatal(err)
	}
	remote := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: remoteTrace, SpanID: remoteSpan, TraceFlags: trace.FlagsSampled, TraceState: ts, Remote: true,
	})
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), remote)

	// s1: server span under a remote parent, every attribute type.
	ctx1, s1 := http.Start(ctx, "GET /orders/{id}", trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(t0),
		trace.WithAttributes(
			attribute.String("http.route", "/orders/{id}"),
			attribute.String("attr.string.empty", ""),
			attribute.String("attr.string.unicode", "h\u00e9llo \u2713 \"q\" \\ \n"),
			attribute.Bool("attr.bool", true),
			attribute.Int64("attr.int.negative", -42),
			attribute.Int64("attr.int.max", 1<<63-1),
			attribute.Float64("attr.double", 0.25),
			attribute.StringSlice("attr.strings", []string{"a", "b"}),
			attribute.BoolSlice("attr.bools", []bool{true, false}),
			attribute.Int64Slice("attr.ints", []int64{1, -4}),
			attribute.Float64Slice("attr.doubles", []float64{1.5, 1e-9}),
			attribute.ByteSlice("attr.bytes", []byte{0xde, 0xad, 0xbe, 0xef}),
			attribute.Slice("attr.slice", attribute.StringValue("x"), attribute.IntValue(7)),
			attribute.Map("attr.map", attribute.String("k", "v"), attribute.Bool("b", false)),
		))
	s1.AddEvent("request.received", trace.WithTimestamp(t0.Add(time.Millisecond)),
		trace.WithAttributes(attribute.Int("net.bytes", 512), attribute.String("note", "first"), attribute.String("dropped", "yes")))
	s1.AddEvent("cache.miss", trace.WithTimestamp(t0.Add(2*time.Millisecond)))

	// s2: internal, OK; s3: client, error with an exception event.
	ctx2, s2 := http.Start(ctx1, "load-order", trace.WithSpanKind(trace.SpanKindInternal), trace.WithTimestamp(t0.Add(5*time.Millisecond)))
	_, s3 := http.Start(ctx2, "SELECT orders", trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(t0.Add(6*time.Millisecond)))
	s3.RecordError(errors.New("connection reset"), trace.WithTimestamp(t0.Add(30*time.Millisecond)))
	s3.SetStatus(codes.Error, "connection reset")
	s3.End(trace.WithTimestamp(t0.Add(31 * time.Millisecond)))
	s2.SetStatus(codes.Ok, "")
	s2.End(trace.WithTimestamp(t0.Add(60 * time.Millisecond)))

	// s4: producer linked to a remote span (with trace state); s5: consumer,
	// root of a new trace, linked to s4, with a link and events over limits.
	linked := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: linkedTrace, SpanID: linkedSpan, TraceFlags: trace.FlagsSampled, TraceState: ts, Remote: true,
	})
	_, s4 := msg.Start(ctx1, "orders publish", trace.WithSpanKind(trace.SpanKindProducer), trace.WithTimestamp(t0.Add(61*time.Millisecond)),
		trace.WithLinks(trace.Link{SpanContext: linked, Attributes: []attribute.KeyValue{
			attribute.String("link.reason", "batch"), attribute.Int("link.index", 0), attribute.Bool("dropped", true),
		}}))
	s4.End(trace.WithTimestamp(t0.Add(70 * time.Millisecond)))
	s1.End(trace.WithTimestamp(t0.Add(120*time.Millisecond + 999)))

	_, s5 := msg.Start(context.Background(), "orders process", trace.WithSpanKind(trace.SpanKindConsumer), trace.WithNewRoot(),
		trace.WithTimestamp(t0.Add(200*time.Millisecond)),
		trace.WithLinks( // over the limit: the SDK drops the oldest
			trace.Link{SpanContext: linked, Attributes: []attribute.KeyValue{attribute.String("dropped", "link")}},
			trace.Link{SpanContext: s4.SpanContext(), Attributes: []attribute.KeyValue{attribute.String("link.reason", "follows-from")}},
			trace.Link{SpanContext: linked},
		))
	for i := range 5 {
		s5.AddEvent(fmt.Sprintf("tick.%d", i), trace.WithTimestamp(t0.Add(time.Duration(201+i)*time.Millisecond)))
	}
	s5.End(trace.WithTimestamp(t0.Add(260 * time.Millisecond)))

	// s6: a span of another resource, with an unspecified kind and no scope version.
	tp2 := sdktrace.NewTracerProvider(
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "billing-py"))),
		sdktrace.WithIDGenerator(&seqIDs{n: 100}),
		sdktrace.WithSpanProcessor(rec),
	)
	_, s6 := tp2.Tracer("bare").Start(context.Background(), "unspecified", trace.WithSpanKind(trace.SpanKindUnspecified),
		trace.WithTimestamp(t0), trace.WithAttributes(attribute.Int("n", 1)))
	s6.End(trace.WithTimestamp(t0.Add(time.Second)))

	if err := errors.Join(tp.Shutdown(context.Background()), tp2.Shutdown(context.Background())); err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	if len(spans) != 6 {
		t.Fatalf("%d spans recorded, want 6", len(spans))
	}
	return spans
}

func tid(n byte) []byte { id := trace.TraceID{0x7a, 15: n}; return id[:] }
func sid(n byte) []byte { id := trace.SpanID{0x5b, 7: n}; return id[:] }

// wantTraces is the request testSpans must decode to. Ids: s1 gets trace
// remoteTrace (its parent's) and span 01; then s2 02, s3 03, s4 04; s5 is
// a new root: trace 05, span 05; s6 trace 101, span 101.
func wantTraces() *coltracepb.ExportTraceServiceRequest {
	const ts = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
	sampled, remote := uint32(0x101), uint32(0x301)
	rt, rs := remoteTrace[:], remoteSpan[:]
	lt, ls := linkedTrace[:], linkedSpan[:]
	s1 := &tracepb.Span{
		TraceId: rt, SpanId: sid(1), ParentSpanId: rs, TraceState: ts, Flags: remote,
		Name: "GET /orders/{id}", Kind: tracepb.Span_SPAN_KIND_SERVER,
		StartTimeUnixNano: ns(0), EndTimeUnixNano: ns(120*time.Millisecond + 999),
		Attributes: []*cpb.KeyValue{
			kv("http.route", sv("/orders/{id}")),
			kv("attr.string.empty", sv("")),
			kv("attr.string.unicode", sv("h\u00e9llo \u2713 \"q\" \\ \n")),
			kv("attr.bool", bv(true)),
			kv("attr.int.negative", iv(-42)),
			kv("attr.int.max", iv(1<<63-1)),
			kv("attr.double", dv(0.25)),
			kv("attr.strings", av(sv("a"), sv("b"))),
			kv("attr.bools", av(bv(true), bv(false))),
			kv("attr.ints", av(iv(1), iv(-4))),
			kv("attr.doubles", av(dv(1.5), dv(1e-9))),
			kv("attr.bytes", bytesv([]byte{0xde, 0xad, 0xbe, 0xef})),
			kv("attr.slice", av(sv("x"), iv(7))),
			kv("attr.map", mv(kv("k", sv("v")), kv("b", bv(false)))),
		},
		Events: []*tracepb.Span_Event{
			{Name: "request.received", TimeUnixNano: ns(time.Millisecond),
				Attributes: []*cpb.KeyValue{kv("net.bytes", iv(512)), kv("note", sv("first"))}, DroppedAttributesCount: 1},
			{Name: "cache.miss", TimeUnixNano: ns(2 * time.Millisecond)},
		},
		Status: &tracepb.Status{},
	}
	s2 := &tracepb.Span{
		TraceId: rt, SpanId: sid(2), ParentSpanId: sid(1), Flags: sampled, TraceState: ts,
		Name: "load-order", Kind: tracepb.Span_SPAN_KIND_INTERNAL,
		StartTimeUnixNano: ns(5 * time.Millisecond), EndTimeUnixNano: ns(60 * time.Millisecond),
		Status: &tracepb.Status{Code: tracepb.Status_STATUS_CODE_OK},
	}
	s3 := &tracepb.Span{
		TraceId: rt, SpanId: sid(3), ParentSpanId: sid(2), Flags: sampled, TraceState: ts,
		Name: "SELECT orders", Kind: tracepb.Span_SPAN_KIND_CLIENT,
		StartTimeUnixNano: ns(6 * time.Millisecond), EndTimeUnixNano: ns(31 * time.Millisecond),
		Events: []*tracepb.Span_Event{{Name: "exception", TimeUnixNano: ns(30 * time.Millisecond), Attributes: []*cpb.KeyValue{
			kv("exception.type", sv("*errors.errorString")), kv("exception.message", sv("connection reset")),
		}}},
		Status: &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "connection reset"},
	}
	s4 := &tracepb.Span{
		TraceId: rt, SpanId: sid(4), ParentSpanId: sid(1), Flags: sampled, TraceState: ts,
		Name: "orders publish", Kind: tracepb.Span_SPAN_KIND_PRODUCER,
		StartTimeUnixNano: ns(61 * time.Millisecond), EndTimeUnixNano: ns(70 * time.Millisecond),
		Links: []*tracepb.Span_Link{{TraceId: lt, SpanId: ls, TraceState: ts, Flags: remote,
			Attributes:             []*cpb.KeyValue{kv("link.reason", sv("batch")), kv("link.index", iv(0))},
			DroppedAttributesCount: 1}},
		Status: &tracepb.Status{},
	}
	s5 := &tracepb.Span{
		TraceId: tid(5), SpanId: sid(5), Flags: sampled,
		Name: "orders process", Kind: tracepb.Span_SPAN_KIND_CONSUMER,
		StartTimeUnixNano: ns(200 * time.Millisecond), EndTimeUnixNano: ns(260 * time.Millisecond),
		Links: []*tracepb.Span_Link{
			{TraceId: rt, SpanId: sid(4), TraceState: ts, Flags: sampled, Attributes: []*cpb.KeyValue{kv("link.reason", sv("follows-from"))}},
			{TraceId: lt, SpanId: ls, TraceState: ts, Flags: remote},
		},
		DroppedLinksCount: 1,
		Events: []*tracepb.Span_Event{
			{Name: "tick.2", TimeUnixNano: ns(203 * time.Millisecond)},
			{Name: "tick.3", TimeUnixNano: ns(204 * time.Millisecond)},
			{Name: "tick.4", TimeUnixNano: ns(205 * time.Millisecond)},
		},
		DroppedEventsCount: 2,
		Status:             &tracepb.Status{},
	}
	s6 := &tracepb.Span{
		TraceId: tid(101), SpanId: sid(101), Flags: sampled,
		Name: "unspecified", Kind: tracepb.Span_SPAN_KIND_INTERNAL, // the SDK makes an unspecified kind internal
		StartTimeUnixNano: ns(0), EndTimeUnixNano: ns(time.Second),
		Attributes: []*cpb.KeyValue{kv("n", iv(1))},
		Status:     &tracepb.Status{},
	}
	httpScope := &cpb.InstrumentationScope{Name: "otlpfwd.test.http", Version: "1.4.0", Attributes: []*cpb.KeyValue{kv("scope.attr", sv("x"))}}
	msgScope := &cpb.InstrumentationScope{Name: "otlpfwd.test.messaging", Version: "0.9.2"}
	// Spans come in the order they ended: s3, s2, s4, s1, s5, then s6.
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{
		{
			Resource: &rpb.Resource{Attributes: []*cpb.KeyValue{
				kv("service.name", sv("checkout-api")), kv("faas.max_memory", iv(536870912)),
			}},
			SchemaUrl: schema,
			ScopeSpans: []*tracepb.ScopeSpans{
				{Scope: httpScope, SchemaUrl: schema, Spans: []*tracepb.Span{s3, s2, s1}},
				{Scope: msgScope, Spans: []*tracepb.Span{s4, s5}},
			},
		},
		{
			Resource:   &rpb.Resource{Attributes: []*cpb.KeyValue{kv("service.name", sv("billing-py"))}},
			ScopeSpans: []*tracepb.ScopeSpans{{Scope: &cpb.InstrumentationScope{Name: "bare"}, Spans: []*tracepb.Span{s6}}},
		},
	}}
}

// TestSpansDecodeToTheSpansGiven writes a batch and decodes the line with
// otlpstdout.Decode, as ingest does.
func TestSpansDecodeToTheSpansGiven(t *testing.T) {
	var out buffer
	exp, err := NewSpans(Options{Writer: &out, Getenv: env(EnvServiceName, "checkout-api")})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(context.Background(), testSpans(t)); err != nil {
		t.Fatal(err)
	}
	var got coltracepb.ExportTraceServiceRequest
	msg := decodeOne(t, &out, otlp.Traces, &got)
	if msg.Source != "checkout-api" || msg.Version != otlpstdout.FormatVersion || msg.Gzip == nil {
		t.Errorf("envelope: source %q version %q gzip %v", msg.Source, msg.Version, msg.Gzip != nil)
	}
	want := wantTraces()
	if len(got.ResourceSpans) != len(want.ResourceSpans) {
		t.Fatalf("%d resources, want %d", len(got.ResourceSpans), len(want.ResourceSpans))
	}
	// Span by span first, for readable failures; then the whole request.
	for i, wr := range want.ResourceSpans {
		gr := got.ResourceSpans[i]
		equalProto(t, fmt.Sprintf("resource %d", i), gr.Resource, wr.Resource)
		if len(gr.ScopeSpans) != len(wr.ScopeSpans) {
			t.Fatalf("resource %d: %d scopes, want %d", i, len(gr.ScopeSpans), len(wr.ScopeSpans))
		}
		for j, ws := range wr.ScopeSpans {
			gs := gr.ScopeSpans[j]
			equalProto(t, fmt.Sprintf("scope %d/%d", i, j), gs.Scope, ws.Scope)
			if len(gs.Spans) != len(ws.Spans) {
				t.Fatalf("scope %d/%d: %d spans, want %d", i, j, len(gs.Spans), len(ws.Spans))
			}
			for k, w := range ws.Spans {
				equalProto(t, "span "+w.Name, gs.Spans[k], w)
			}
		}
	}
	equalProto(t, "request", &got, want)
}

func TestSpansEmptyBatchWritesNothing(t *testing.T) {
	var out buffer
	exp, err := NewSpans(Options{Writer: &out, Getenv: env()})
	if err != nil {
		t.Fatal(err)
	}
	for _, spans := range [][]sdktrace.ReadOnlySpan{nil, {}, {nil}} {
		if err := exp.ExportSpans(context.Background(), spans); err != nil {
			t.Fatal(err)
		}
	}
	if out.writes != 0 {
		t.Fatalf("%d writes for empty batches", out.writes)
	}
}

func TestSpansHonourContext(t *testing.T) {
	var out buffer
	exp, err := NewSpans(Options{Writer: &out, Getenv: env()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := exp.ExportSpans(ctx, testSpans(t)); !errors.Is(err, context.Canceled) {
		t.Fatalf("export with a cancelled context: %v", err)
	}
	if out.writes != 0 {
		t.Fatal("wrote a line with a cancelled context")
	}
}
