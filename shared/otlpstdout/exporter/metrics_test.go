package exporter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	colmetricspb "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	cpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	mpb "go.opentelemetry.io/proto/slim/otlp/metrics/v1"
	rpb "go.opentelemetry.io/proto/slim/otlp/resource/v1"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

func set(kvs ...attribute.KeyValue) attribute.Set { return attribute.NewSet(kvs...) }

// testMetrics is a collection with every aggregation the SDK produces,
// in both number types, plus a summary (from bridges).
func testMetrics() *metricdata.ResourceMetrics {
	start, now := t0, t0.Add(10*time.Second)
	cumulative, delta := metricdata.CumulativeTemporality, metricdata.DeltaTemporality
	return &metricdata.ResourceMetrics{
		Resource: resource.NewWithAttributes(schema, attribute.String("service.name", "checkout-api")),
		ScopeMetrics: []metricdata.ScopeMetrics{
			{
				Scope: instrumentation.Scope{Name: "otlpfwd.test.http", Version: "1.4.0", SchemaURL: schema,
					Attributes: set(attribute.String("scope.attr", "z"))},
				Metrics: []metricdata.Metrics{
					{Name: "orders.processed", Description: "Orders processed", Unit: "{order}", Data: metricdata.Sum[int64]{
						Temporality: cumulative, IsMonotonic: true,
						DataPoints: []metricdata.DataPoint[int64]{
							{Attributes: set(attribute.String("test.id", "m01")), StartTime: start, Time: now, Value: 42,
								Exemplars: []metricdata.Exemplar[int64]{{
									FilteredAttributes: []attribute.KeyValue{attribute.String("user", "ana")},
									Time:               now, Value: 7, SpanID: remoteSpan[:], TraceID: remoteTrace[:],
								}}},
							{Attributes: set(attribute.String("test.id", "m02")), StartTime: start, Time: now, Value: -1},
						},
					}},
					{Name: "queue.depth", Data: metricdata.Sum[float64]{
						Temporality: delta,
						DataPoints:  []metricdata.DataPoint[float64]{{Attributes: set(attribute.String("test.id", "m03")), StartTime: start, Time: now, Value: -2.5}},
					}},
					{Name: "http.server.duration", Unit: "ms", Data: metricdata.Histogram[float64]{
						Temporality: delta,
						DataPoints: []metricdata.HistogramDataPoint[float64]{{
							Attributes: set(attribute.String("test.id", "m04")), StartTime: start, Time: now,
							Count: 3, Bounds: []float64{10, 100}, BucketCounts: []uint64{1, 1, 1}, Sum: 161.5,
							Min: metricdata.NewExtrema(1.5), Max: metricdata.NewExtrema(150.0),
							Exemplars: []metricdata.Exemplar[float64]{{Time: now, Value: 150}},
						}},
					}},
					{Name: "payload.size", Unit: "By", Data: metricdata.Histogram[int64]{
						Temporality: cumulative,
						DataPoints: []metricdata.HistogramDataPoint[int64]{{
							Attributes: set(attribute.String("test.id", "m05")), StartTime: start, Time: now,
							Count: 1, Bounds: []float64{1024}, BucketCounts: []uint64{0, 1}, Sum: 2048,
						}},
					}},
				},
			},
			{Scope: instrumentation.Scope{Name: "empty.scope"}}, // no metrics: left out
			{
				Scope: instrumentation.Scope{Name: "otlpfwd.test.runtime", Version: "2.0.1"},
				Metrics: []metricdata.Metrics{
					{Name: "memory.used", Unit: "By", Data: metricdata.Gauge[int64]{
						DataPoints: []metricdata.DataPoint[int64]{{Attributes: set(attribute.String("test.id", "m06")), Time: now, Value: 71 << 20}},
					}},
					{Name: "cpu.utilization", Unit: "1", Data: metricdata.Gauge[float64]{
						DataPoints: []metricdata.DataPoint[float64]{{Attributes: set(attribute.String("test.id", "m07")), StartTime: start, Time: now, Value: 0.75}},
					}},
					{Name: "latency.exp", Unit: "ms", Data: metricdata.ExponentialHistogram[float64]{
						Temporality: cumulative,
						DataPoints: []metricdata.ExponentialHistogramDataPoint[float64]{{
							Attributes: set(attribute.String("test.id", "m08")), StartTime: start, Time: now,
							Count: 6, Sum: 12.5, Scale: 3, ZeroCount: 1, ZeroThreshold: 1e-9,
							PositiveBucket: metricdata.ExponentialBucket{Offset: -2, Counts: []uint64{1, 2}},
							NegativeBucket: metricdata.ExponentialBucket{Offset: 4, Counts: []uint64{2}},
							Min:            metricdata.NewExtrema(-3.0), Max: metricdata.NewExtrema(5.0),
						}},
					}},
					{Name: "batch.exp", Data: metricdata.ExponentialHistogram[int64]{
						Temporality: delta,
						DataPoints: []metricdata.ExponentialHistogramDataPoint[int64]{{
							Attributes: set(attribute.String("test.id", "m09")), StartTime: start, Time: now,
							Count: 1, Sum: 4, Scale: 0,
							PositiveBucket: metricdata.ExponentialBucket{Offset: 1, Counts: []uint64{1}},
						}},
					}},
					{Name: "rpc.latency.summary", Data: metricdata.Summary{
						DataPoints: []metricdata.SummaryDataPoint{{
							Attributes: set(attribute.String("test.id", "m10")), StartTime: start, Time: now,
							Count: 4, Sum: 10, QuantileValues: []metricdata.QuantileValue{{Quantile: 0.5, Value: 2}, {Quantile: 1, Value: 4}},
						}},
					}},
				},
			},
		},
	}
}

func f64(v float64) *float64 { return &v }

func wantMetrics() *colmetricspb.ExportMetricsServiceRequest {
	start, now := ns(0), ns(10*time.Second)
	id := func(s string) []*cpb.KeyValue { return []*cpb.KeyValue{kv("test.id", sv(s))} }
	cumulative := mpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
	delta := mpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA
	return &colmetricspb.ExportMetricsServiceRequest{ResourceMetrics: []*mpb.ResourceMetrics{{
		Resource:  &rpb.Resource{Attributes: []*cpb.KeyValue{kv("service.name", sv("checkout-api"))}},
		SchemaUrl: schema,
		ScopeMetrics: []*mpb.ScopeMetrics{
			{
				Scope: &cpb.InstrumentationScope{Name: "otlpfwd.test.http", Version: "1.4.0",
					Attributes: []*cpb.KeyValue{kv("scope.attr", sv("z"))}},
				SchemaUrl: schema,
				Metrics: []*mpb.Metric{
					{Name: "orders.processed", Description: "Orders processed", Unit: "{order}", Data: &mpb.Metric_Sum{Sum: &mpb.Sum{
						AggregationTemporality: cumulative, IsMonotonic: true,
						DataPoints: []*mpb.NumberDataPoint{
							{Attributes: id("m01"), StartTimeUnixNano: start, TimeUnixNano: now, Value: &mpb.NumberDataPoint_AsInt{AsInt: 42},
								Exemplars: []*mpb.Exemplar{{
									FilteredAttributes: []*cpb.KeyValue{kv("user", sv("ana"))}, TimeUnixNano: now,
									Value: &mpb.Exemplar_AsInt{AsInt: 7}, SpanId: remoteSpan[:], TraceId: remoteTrace[:],
								}}},
							{Attributes: id("m02"), StartTimeUnixNano: start, TimeUnixNano: now, Value: &mpb.NumberDataPoint_AsInt{AsInt: -1}},
						},
					}}},
					{Name: "queue.depth", Data: &mpb.Metric_Sum{Sum: &mpb.Sum{
						AggregationTemporality: delta,
						DataPoints: []*mpb.NumberDataPoint{{Attributes: id("m03"), StartTimeUnixNano: start, TimeUnixNano: now,
							Value: &mpb.NumberDataPoint_AsDouble{AsDouble: -2.5}}},
					}}},
					{Name: "http.server.duration", Unit: "ms", Data: &mpb.Metric_Histogram{Histogram: &mpb.Histogram{
						AggregationTemporality: delta,
						DataPoints: []*mpb.HistogramDataPoint{{
							Attributes: id("m04"), StartTimeUnixNano: start, TimeUnixNano: now,
							Count: 3, ExplicitBounds: []float64{10, 100}, BucketCounts: []uint64{1, 1, 1}, Sum: f64(161.5),
							Min: f64(1.5), Max: f64(150),
							Exemplars: []*mpb.Exemplar{{TimeUnixNano: now, Value: &mpb.Exemplar_AsDouble{AsDouble: 150}}},
						}},
					}}},
					{Name: "payload.size", Unit: "By", Data: &mpb.Metric_Histogram{Histogram: &mpb.Histogram{
						AggregationTemporality: cumulative,
						DataPoints: []*mpb.HistogramDataPoint{{
							Attributes: id("m05"), StartTimeUnixNano: start, TimeUnixNano: now,
							Count: 1, ExplicitBounds: []float64{1024}, BucketCounts: []uint64{0, 1}, Sum: f64(2048),
						}},
					}}},
				},
			},
			{
				Scope: &cpb.InstrumentationScope{Name: "otlpfwd.test.runtime", Version: "2.0.1"},
				Metrics: []*mpb.Metric{
					{Name: "memory.used", Unit: "By", Data: &mpb.Metric_Gauge{Gauge: &mpb.Gauge{
						DataPoints: []*mpb.NumberDataPoint{{Attributes: id("m06"), TimeUnixNano: now, Value: &mpb.NumberDataPoint_AsInt{AsInt: 71 << 20}}},
					}}},
					{Name: "cpu.utilization", Unit: "1", Data: &mpb.Metric_Gauge{Gauge: &mpb.Gauge{
						DataPoints: []*mpb.NumberDataPoint{{Attributes: id("m07"), StartTimeUnixNano: start, TimeUnixNano: now,
							Value: &mpb.NumberDataPoint_AsDouble{AsDouble: 0.75}}},
					}}},
					{Name: "latency.exp", Unit: "ms", Data: &mpb.Metric_ExponentialHistogram{ExponentialHistogram: &mpb.ExponentialHistogram{
						AggregationTemporality: cumulative,
						DataPoints: []*mpb.ExponentialHistogramDataPoint{{
							Attributes: id("m08"), StartTimeUnixNano: start, TimeUnixNano: now,
							Count: 6, Sum: f64(12.5), Scale: 3, ZeroCount: 1, ZeroThreshold: 1e-9,
							Positive: &mpb.ExponentialHistogramDataPoint_Buckets{Offset: -2, BucketCounts: []uint64{1, 2}},
							Negative: &mpb.ExponentialHistogramDataPoint_Buckets{Offset: 4, BucketCounts: []uint64{2}},
							Min:      f64(-3), Max: f64(5),
						}},
					}}},
					{Name: "batch.exp", Data: &mpb.Metric_ExponentialHistogram{ExponentialHistogram: &mpb.ExponentialHistogram{
						AggregationTemporality: delta,
						DataPoints: []*mpb.ExponentialHistogramDataPoint{{
							Attributes: id("m09"), StartTimeUnixNano: start, TimeUnixNano: now,
							Count: 1, Sum: f64(4),
							Positive: &mpb.ExponentialHistogramDataPoint_Buckets{Offset: 1, BucketCounts: []uint64{1}},
							Negative: &mpb.ExponentialHistogramDataPoint_Buckets{},
						}},
					}}},
					{Name: "rpc.latency.summary", Data: &mpb.Metric_Summary{Summary: &mpb.Summary{
						DataPoints: []*mpb.SummaryDataPoint{{
							Attributes: id("m10"), StartTimeUnixNano: start, TimeUnixNano: now, Count: 4, Sum: 10,
							QuantileValues: []*mpb.SummaryDataPoint_ValueAtQuantile{{Quantile: 0.5, Value: 2}, {Quantile: 1, Value: 4}},
						}},
					}}},
				},
			},
		},
	}}}
}

func TestMetricsDecodeToTheMetricsGiven(t *testing.T) {
	var out buffer
	exp, err := NewMetrics(Options{Writer: &out, Source: "from-options", Getenv: env()})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Export(context.Background(), testMetrics()); err != nil {
		t.Fatal(err)
	}
	var got colmetricspb.ExportMetricsServiceRequest
	msg := decodeOne(t, &out, otlp.Metrics, &got)
	if msg.Source != "from-options" {
		t.Errorf("source %q, want from-options", msg.Source)
	}
	want := wantMetrics()
	if len(got.ResourceMetrics) == 1 && len(got.ResourceMetrics[0].ScopeMetrics) == 2 {
		for i, ws := range want.ResourceMetrics[0].ScopeMetrics {
			gs := got.ResourceMetrics[0].ScopeMetrics[i]
			for j, w := range ws.Metrics {
				if j < len(gs.Metrics) {
					equalProto(t, fmt.Sprintf("metric %s", w.Name), gs.Metrics[j], w)
				}
			}
		}
	}
	equalProto(t, "request", &got, want)
}

// unknownAgg is an aggregation the exporter does not know.
type unknownAgg struct{ metricdata.Gauge[int64] }

func TestMetricsLeaveOutWhatTheyCannotConvert(t *testing.T) {
	var out buffer
	exp, err := NewMetrics(Options{Writer: &out, Getenv: env()})
	if err != nil {
		t.Fatal(err)
	}
	rm := testMetrics()
	rm.ScopeMetrics[0].Metrics = append(rm.ScopeMetrics[0].Metrics,
		metricdata.Metrics{Name: "bad.agg", Data: unknownAgg{}},
		metricdata.Metrics{Name: "bad.temporality", Data: metricdata.Sum[int64]{Temporality: 0}},
	)
	err = exp.Export(context.Background(), rm)
	if !errors.Is(err, errAggregation) {
		t.Fatalf("error %v, want the metrics left out named", err)
	}
	for _, name := range []string{"bad.agg", "bad.temporality"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	var got colmetricspb.ExportMetricsServiceRequest
	decodeOne(t, &out, otlp.Metrics, &got)
	equalProto(t, "request", &got, wantMetrics())
}

func TestMetricsEmptyCollectionWritesNothing(t *testing.T) {
	var out buffer
	exp, err := NewMetrics(Options{Writer: &out, Getenv: env()})
	if err != nil {
		t.Fatal(err)
	}
	for _, rm := range []*metricdata.ResourceMetrics{nil, {}, {ScopeMetrics: []metricdata.ScopeMetrics{{}}}} {
		if err := exp.Export(context.Background(), rm); err != nil {
			t.Fatal(err)
		}
	}
	if out.writes != 0 {
		t.Fatalf("%d writes for empty collections", out.writes)
	}
}

// TestMetricsWithTheSDK runs the exporter under a real MeterProvider and
// PeriodicReader, with the temporality and histogram aggregation from the
// environment, and checks what a flush writes.
func TestMetricsWithTheSDK(t *testing.T) {
	var out buffer
	exp, err := NewMetrics(Options{Writer: &out, Getenv: env(
		EnvTemporality, "Delta",
		EnvHistogram, "base2_exponential_bucket_histogram",
		EnvMetricsHeaders, "x-signal=metrics",
		EnvTracesHeaders, "x-signal=traces",
	)})
	if err != nil {
		t.Fatal(err)
	}
	if exp.Temporality(sdkmetric.InstrumentKindCounter) != metricdata.DeltaTemporality {
		t.Fatal("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta not applied")
	}
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithResource(resource.NewSchemaless(attribute.String("service.name", "svc"))),
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))),
	)
	m := mp.Meter("otlpfwd.test")
	c, _ := m.Int64Counter("requests")
	h, _ := m.Float64Histogram("duration")
	ctx := context.Background()
	c.Add(ctx, 3, metric.WithAttributes(attribute.String("route", "/a")))
	h.Record(ctx, 12.5)
	if err := mp.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	var got colmetricspb.ExportMetricsServiceRequest
	msg := decodeOne(t, &out, otlp.Metrics, &got)
	if msg.Headers["x-signal"] != "metrics" {
		t.Errorf("headers %v: want the metrics headers", msg.Headers)
	}
	ms := got.ResourceMetrics[0].ScopeMetrics[0].Metrics
	if len(ms) != 2 {
		t.Fatalf("%d metrics, want 2", len(ms))
	}
	sum := ms[0].GetSum()
	if ms[0].Name != "requests" || sum == nil || sum.AggregationTemporality != mpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA ||
		!sum.IsMonotonic || sum.DataPoints[0].GetAsInt() != 3 {
		t.Errorf("requests: %v", ms[0])
	}
	eh := ms[1].GetExponentialHistogram()
	if ms[1].Name != "duration" || eh == nil || eh.DataPoints[0].Count != 1 || eh.DataPoints[0].GetSum() != 12.5 {
		t.Errorf("duration: %v", ms[1])
	}
	if err := mp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := exp.Export(ctx, testMetrics()); !errors.Is(err, sdkmetric.ErrExporterShutdown) {
		t.Fatalf("Export after Shutdown: %v", err)
	}
}
