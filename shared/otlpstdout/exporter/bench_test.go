package exporter

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// benchSpans makes n typical server/client spans with the SDK.
func benchSpans(b *testing.B, n int) []sdktrace.ReadOnlySpan {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "bench"), attribute.String("cloud.region", "us-east-1"))),
		sdktrace.WithSpanProcessor(rec),
	)
	tr := tp.Tracer("bench")
	ctx := context.Background()
	for i := range n {
		_, s := tr.Start(ctx, fmt.Sprintf("GET /orders/%d", i%10), trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(t0),
			trace.WithAttributes(
				attribute.String("http.request.method", "GET"), attribute.String("url.full", "https://api.example.com/orders/42"),
				attribute.Int("http.response.status_code", 200), attribute.String("test.id", fmt.Sprintf("bench-%05d", i)),
			))
		s.AddEvent("cache.miss", trace.WithTimestamp(t0.Add(time.Millisecond)))
		s.End(trace.WithTimestamp(t0.Add(time.Duration(i) * time.Microsecond)))
	}
	_ = tp.Shutdown(ctx)
	return rec.Ended()
}

// countingDiscard counts the bytes written.
type countingDiscard struct{ n int64 }

func (w *countingDiscard) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

func BenchmarkSpans(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		for _, level := range []string{"1", "6"} {
			b.Run(fmt.Sprintf("spans=%d/gzip=%s", n, level), func(b *testing.B) {
				spans := benchSpans(b, n)
				var out countingDiscard
				exp, err := NewSpans(Options{Writer: &out, Getenv: env(EnvCompressionLevel, level)})
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					if err := exp.ExportSpans(ctx, spans); err != nil {
						b.Fatal(err)
					}
				}
				b.SetBytes(out.n / int64(b.N))
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
			})
		}
	}
}

func BenchmarkLogs(b *testing.B) {
	rec := &recorder{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(rec),
		sdklog.WithResource(resource.NewSchemaless(attribute.String("service.name", "bench"))))
	l := lp.Logger("bench")
	for i := range 100 {
		var r log.Record
		r.SetTimestamp(t0)
		r.SetSeverity(log.SeverityInfo)
		r.SetBody(attribute.StringValue(fmt.Sprintf("order %d loaded", i)))
		r.AddAttributes(attribute.Int("order.id", i), attribute.String("route", "/orders"))
		l.Emit(context.Background(), r)
	}
	exp, err := NewLogs(Options{Writer: io.Discard, Getenv: env()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := exp.Export(context.Background(), rec.records); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rec.records))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkMetrics(b *testing.B) {
	rm := testMetrics()
	exp, err := NewMetrics(Options{Writer: io.Discard, Getenv: env()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := exp.Export(context.Background(), rm); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(10*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}
