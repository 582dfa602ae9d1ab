package exporter

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collogspb "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// bad is not UTF-8; fixed is what is written for it.
const (
	bad   = "bad\xffname\xc3"
	fixed = "bad\uFFFDname\uFFFD"
)

var badResource = resource.NewWithAttributes(bad, attribute.String(bad, bad))

// TestInvalidUTF8IsReplaced: a string that is not UTF-8, wherever an
// application can put one, is written with U+FFFD in place of the bad
// bytes; proto.Marshal would refuse it and the whole batch would be lost.
func TestInvalidUTF8IsReplaced(t *testing.T) {
	ctx := context.Background()
	var spansOut, logsOut, metricsOut buffer
	spans, err1 := NewSpans(Options{Writer: &spansOut, Getenv: env()})
	logs, err2 := NewLogs(Options{Writer: &logsOut, Getenv: env()})
	metrics, err3 := NewMetrics(Options{Writer: &metricsOut, Getenv: env()})
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(
		spans.ExportSpans(ctx, badSpans(t)),
		logs.Export(ctx, badRecords(t)),
		metrics.Export(ctx, badMetrics()),
	); err != nil {
		t.Fatal(err)
	}

	var traces coltracepb.ExportTraceServiceRequest
	decodeOne(t, &spansOut, otlp.Traces, &traces)
	span := "resource_spans.scope_spans.spans."
	assertFixedAt(t, &traces, append(containerPaths("resource_spans", "scope_spans"),
		span+"name",
		span+"attributes.key",
		span+"attributes.value.string_value",
		span+"attributes.value.array_value.values.string_value",
		span+"attributes.value.kvlist_value.values.key",
		span+"attributes.value.kvlist_value.values.value.string_value",
		span+"events.name",
		span+"events.attributes.key",
		span+"events.attributes.value.string_value",
		span+"links.attributes.key",
		span+"links.attributes.value.string_value",
		span+"status.message",
	))

	var logReq collogspb.ExportLogsServiceRequest
	decodeOne(t, &logsOut, otlp.Logs, &logReq)
	rec := "resource_logs.scope_logs.log_records."
	assertFixedAt(t, &logReq, append(containerPaths("resource_logs", "scope_logs"),
		rec+"severity_text",
		rec+"event_name",
		rec+"body.kvlist_value.values.key",
		rec+"body.kvlist_value.values.value.string_value",
		rec+"body.kvlist_value.values.value.array_value.values.string_value",
		rec+"attributes.key",
		rec+"attributes.value.string_value",
	))

	var metricReq colmetricspb.ExportMetricsServiceRequest
	decodeOne(t, &metricsOut, otlp.Metrics, &metricReq)
	m := "resource_metrics.scope_metrics.metrics."
	assertFixedAt(t, &metricReq, append(containerPaths("resource_metrics", "scope_metrics"),
		m+"name",
		m+"description",
		m+"unit",
		m+"gauge.data_points.attributes.key",
		m+"gauge.data_points.attributes.value.string_value",
		m+"gauge.data_points.exemplars.filtered_attributes.key",
		m+"gauge.data_points.exemplars.filtered_attributes.value.string_value",
	))
}

// containerPaths are the string fields of a resource and a scope.
func containerPaths(res, scope string) []string {
	s := res + "." + scope + "."
	return []string{
		res + ".schema_url",
		res + ".resource.attributes.key",
		res + ".resource.attributes.value.string_value",
		s + "schema_url",
		s + "scope.name",
		s + "scope.version",
		s + "scope.attributes.key",
		s + "scope.attributes.value.string_value",
	}
}

// assertFixedAt checks that the strings of m that were bad are all fixed,
// and that they are found at exactly the field paths want.
func assertFixedAt(t *testing.T, m proto.Message, want []string) {
	t.Helper()
	var got []string
	walkStrings(m.ProtoReflect(), "", func(path, s string) {
		if !strings.Contains(s, "bad") {
			return
		}
		if s != fixed {
			t.Errorf("%s: %q, want %q", path, s, fixed)
		}
		got = append(got, path)
	})
	slices.Sort(got)
	got = slices.Compact(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("fixed strings at\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// walkStrings calls f with every string field of m, at every depth, and
// its path of field names.
func walkStrings(m protoreflect.Message, path string, f func(path, s string)) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		p := path + string(fd.Name())
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len(); i++ {
				walkStrings(v.List().Get(i).Message(), p+".", f)
			}
		case fd.IsList() && fd.Kind() == protoreflect.StringKind:
			for i := 0; i < v.List().Len(); i++ {
				f(p, v.List().Get(i).String())
			}
		case fd.Message() != nil && !fd.IsMap():
			walkStrings(v.Message(), p+".", f)
		case fd.Kind() == protoreflect.StringKind:
			f(p, v.String())
		}
		return true
	})
}

func badScopeAttr() attribute.KeyValue { return attribute.String(bad, bad) }

func badSpans(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(badResource), sdktrace.WithSpanProcessor(rec))
	tr := tp.Tracer(bad, trace.WithInstrumentationVersion(bad), trace.WithSchemaURL(bad),
		trace.WithInstrumentationAttributes(badScopeAttr()))
	_, linked := tr.Start(context.Background(), "linked")
	linked.End()
	_, s := tr.Start(context.Background(), bad,
		trace.WithLinks(trace.Link{SpanContext: linked.SpanContext(), Attributes: []attribute.KeyValue{attribute.String(bad, bad)}}),
		trace.WithAttributes(
			attribute.String(bad, bad),
			attribute.StringSlice("strings", []string{"ok", bad}),
			attribute.Slice("slice", attribute.StringValue(bad)),
			attribute.Map("map", attribute.String(bad, bad)),
		))
	s.AddEvent(bad, trace.WithAttributes(attribute.String(bad, bad)))
	s.SetStatus(codes.Error, bad)
	s.End()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	return rec.Ended()
}

func badRecords(t *testing.T) []sdklog.Record {
	t.Helper()
	rec := &recorder{}
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(badResource), sdklog.WithProcessor(rec))
	l := lp.Logger(bad, log.WithInstrumentationVersion(bad), log.WithSchemaURL(bad),
		log.WithInstrumentationAttributes(badScopeAttr()))
	var r log.Record
	r.SetSeverity(log.SeverityWarn)
	r.SetSeverityText(bad)
	r.SetEventName(bad)
	r.SetBody(attribute.MapValue(attribute.String(bad, bad), attribute.Slice("list", attribute.StringValue(bad))))
	r.AddAttributes(attribute.String(bad, bad))
	l.Emit(context.Background(), r)
	if err := lp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	return rec.records
}

func badMetrics() *metricdata.ResourceMetrics {
	return &metricdata.ResourceMetrics{
		Resource: badResource,
		ScopeMetrics: []metricdata.ScopeMetrics{{
			Scope: instrumentation.Scope{Name: bad, Version: bad, SchemaURL: bad, Attributes: set(badScopeAttr())},
			Metrics: []metricdata.Metrics{{Name: bad, Description: bad, Unit: bad, Data: metricdata.Gauge[int64]{
				DataPoints: []metricdata.DataPoint[int64]{{
					Attributes: set(attribute.String(bad, bad)), Time: t0, Value: 1,
					Exemplars: []metricdata.Exemplar[int64]{{FilteredAttributes: []attribute.KeyValue{attribute.String(bad, bad)}, Time: t0, Value: 1}},
				}},
			}}},
		}},
	}
}
