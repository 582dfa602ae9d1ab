package exporter

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"
	collogspb "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	cpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/slim/otlp/logs/v1"
	rpb "go.opentelemetry.io/proto/slim/otlp/resource/v1"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// recorder is an sdklog.Processor that keeps copies of the records.
type recorder struct{ records []sdklog.Record }

var _ sdklog.Processor = (*recorder)(nil)

func (r *recorder) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (r *recorder) OnEmit(_ context.Context, rec *sdklog.Record) error {
	r.records = append(r.records, rec.Clone())
	return nil
}
func (r *recorder) Shutdown(context.Context) error   { return nil }
func (r *recorder) ForceFlush(context.Context) error { return nil }

// testRecords emits, with the real SDK, records that use every field of
// the OTLP log record: severities, every body kind, attributes, trace
// context, event name, and a record without severity or trace context.
func testRecords(t *testing.T) []sdklog.Record {
	t.Helper()
	rec := &recorder{}
	lp := sdklog.NewLoggerProvider(
		sdklog.WithResource(resource.NewWithAttributes(schema, attribute.String("service.name", "checkout-api"))),
		sdklog.WithProcessor(rec),
		sdklog.WithAttributeCountLimit(3),
	)
	http := lp.Logger("otlpfwd.test.http", log.WithInstrumentationVersion("1.4.0"), log.WithSchemaURL(schema))
	audit := lp.Logger("otlpfwd.test.audit", log.WithInstrumentationVersion("0.1.0"),
		log.WithInstrumentationAttributes(attribute.String("scope.attr", "y")))

	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: remoteTrace, SpanID: remoteSpan, TraceFlags: trace.FlagsSampled})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)

	emit := func(l log.Logger, ctx context.Context, f func(*log.Record)) {
		var r log.Record
		f(&r)
		l.Emit(ctx, r)
	}
	emit(http, ctx, func(r *log.Record) {
		r.SetTimestamp(t0)
		r.SetObservedTimestamp(t0.Add(time.Millisecond))
		r.SetSeverity(log.SeverityInfo)
		r.SetSeverityText("INFO")
		r.SetBody(attribute.StringValue("order 42 loaded"))
		r.AddAttributes(attribute.String("test.id", "l01"), attribute.Int("order.id", 42))
	})
	emit(http, ctx, func(r *log.Record) {
		r.SetTimestamp(t0.Add(time.Second))
		r.SetObservedTimestamp(t0.Add(time.Second))
		r.SetSeverity(log.SeverityError)
		r.SetSeverityText("ERROR")
		r.SetBody(attribute.MapValue(
			attribute.String("error", "connection reset"),
			attribute.Slice("retries", attribute.IntValue(1), attribute.IntValue(2)),
		))
		r.AddAttributes(attribute.String("test.id", "l02"))
	})
	emit(audit, context.Background(), func(r *log.Record) {
		r.SetTimestamp(t0.Add(2 * time.Second))
		r.SetObservedTimestamp(t0.Add(2 * time.Second))
		r.SetSeverity(log.SeverityWarn2)
		r.SetSeverityText("WARN")
		r.SetEventName("audit.denied")
		r.SetBody(attribute.ByteSliceValue([]byte{0xde, 0xad}))
		r.AddAttributes(
			attribute.String("test.id", "l03"),
			attribute.Map("who", attribute.String("user", "ana")),
			attribute.ByteSlice("token.hash", []byte{1, 2, 3}),
			attribute.String("dropped.1", "x"),
			attribute.String("dropped.2", "y"),
		)
	})
	emit(audit, context.Background(), func(r *log.Record) {
		r.SetObservedTimestamp(t0.Add(3 * time.Second)) // no timestamp, no severity
		r.SetBody(attribute.Int64Value(7))
		r.AddAttributes(attribute.String("test.id", "l04"))
	})
	emit(audit, context.Background(), func(r *log.Record) {
		r.SetObservedTimestamp(t0.Add(4 * time.Second)) // no body at all
		r.SetSeverity(log.SeverityFatal4)
	})
	if err := lp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rec.records) != 5 {
		t.Fatalf("%d records, want 5", len(rec.records))
	}
	return rec.records
}

func wantLogs() *collogspb.ExportLogsServiceRequest {
	rt, rs := remoteTrace[:], remoteSpan[:]
	return &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		Resource:  &rpb.Resource{Attributes: []*cpb.KeyValue{kv("service.name", sv("checkout-api"))}},
		SchemaUrl: schema,
		ScopeLogs: []*logspb.ScopeLogs{
			{
				Scope:     &cpb.InstrumentationScope{Name: "otlpfwd.test.http", Version: "1.4.0"},
				SchemaUrl: schema,
				LogRecords: []*logspb.LogRecord{
					{
						TimeUnixNano: ns(0), ObservedTimeUnixNano: ns(time.Millisecond),
						SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_INFO, SeverityText: "INFO",
						Body:       sv("order 42 loaded"),
						Attributes: []*cpb.KeyValue{kv("test.id", sv("l01")), kv("order.id", iv(42))},
						Flags:      1, TraceId: rt, SpanId: rs,
					},
					{
						TimeUnixNano: ns(time.Second), ObservedTimeUnixNano: ns(time.Second),
						SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_ERROR, SeverityText: "ERROR",
						Body:       mv(kv("error", sv("connection reset")), kv("retries", av(iv(1), iv(2)))),
						Attributes: []*cpb.KeyValue{kv("test.id", sv("l02"))},
						Flags:      1, TraceId: rt, SpanId: rs,
					},
				},
			},
			{
				Scope: &cpb.InstrumentationScope{Name: "otlpfwd.test.audit", Version: "0.1.0",
					Attributes: []*cpb.KeyValue{kv("scope.attr", sv("y"))}},
				LogRecords: []*logspb.LogRecord{
					{
						TimeUnixNano: ns(2 * time.Second), ObservedTimeUnixNano: ns(2 * time.Second),
						SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_WARN2, SeverityText: "WARN",
						EventName: "audit.denied",
						Body:      bytesv([]byte{0xde, 0xad}),
						Attributes: []*cpb.KeyValue{
							kv("test.id", sv("l03")),
							kv("who", mv(kv("user", sv("ana")))),
							kv("token.hash", bytesv([]byte{1, 2, 3})),
						},
						DroppedAttributesCount: 2,
					},
					{
						ObservedTimeUnixNano: ns(3 * time.Second),
						Body:                 iv(7),
						Attributes:           []*cpb.KeyValue{kv("test.id", sv("l04"))},
					},
					{
						ObservedTimeUnixNano: ns(4 * time.Second),
						SeverityNumber:       logspb.SeverityNumber_SEVERITY_NUMBER_FATAL4,
					},
				},
			},
		},
	}}}
}

func TestLogsDecodeToTheRecordsGiven(t *testing.T) {
	var out buffer
	exp, err := NewLogs(Options{Writer: &out, Getenv: env(EnvLambdaFunctionName, "checkout-fn", EnvLogLevel, "warning")})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Export(context.Background(), testRecords(t)); err != nil {
		t.Fatal(err)
	}
	var got collogspb.ExportLogsServiceRequest
	msg := decodeOne(t, &out, otlp.Logs, &got)
	if msg.Source != "checkout-fn" || msg.Level != "WARN" {
		t.Errorf("source %q level %q, want checkout-fn WARN", msg.Source, msg.Level)
	}
	want := wantLogs()
	if len(got.ResourceLogs) == 1 && len(got.ResourceLogs[0].ScopeLogs) == 2 {
		for i, ws := range want.ResourceLogs[0].ScopeLogs {
			gs := got.ResourceLogs[0].ScopeLogs[i]
			for j, w := range ws.LogRecords {
				if j < len(gs.LogRecords) {
					equalProto(t, fmt.Sprintf("scope %d record %d", i, j), gs.LogRecords[j], w)
				}
			}
		}
	}
	equalProto(t, "request", &got, want)
}

func TestLogsShutdown(t *testing.T) {
	var out buffer
	exp, err := NewLogs(Options{Writer: &out, Getenv: env()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := exp.Export(ctx, testRecords(t)); !errors.Is(err, sdklog.ErrExporterShutdown) {
		t.Fatalf("Export after Shutdown: %v, want ErrExporterShutdown", err)
	}
	// After Shutdown, Shutdown and ForceFlush do nothing and return nil,
	// even with a done context.
	done, cancel := context.WithCancel(ctx)
	cancel()
	if err := errors.Join(exp.Shutdown(done), exp.ForceFlush(done)); err != nil {
		t.Fatal(err)
	}
	if out.writes != 0 {
		t.Fatalf("%d writes after Shutdown", out.writes)
	}
}
