package exporter

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	colmetricspb "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	mpb "go.opentelemetry.io/proto/slim/otlp/metrics/v1"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// Metrics is an sdk/metric Exporter that writes each collection as one
// envelope line (several over the line cap) with the endpoint http://localhost:4318/v1/metrics. It is
// safe for concurrent use.
type Metrics struct {
	c           *core
	temporality metric.TemporalitySelector
	aggregation metric.AggregationSelector
}

var _ metric.Exporter = (*Metrics)(nil)

// NewMetrics returns a metric exporter configured by o and the
// environment (see the package documentation);
// OTEL_EXPORTER_OTLP_METRICS_HEADERS is its signal's header variable, and
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE and
// OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION win over
// Options.Temporality and Options.Aggregation. It fails on a configuration
// that does not parse, naming every problem.
func NewMetrics(o Options) (*Metrics, error) {
	c, err := newCore(otlp.Metrics, o, nil)
	if err != nil {
		return nil, err
	}
	return &Metrics{c: c, temporality: c.cfg.temporality, aggregation: c.cfg.aggregation}, nil
}

// Temporality returns the temporality for an instrument kind.
func (e *Metrics) Temporality(k metric.InstrumentKind) metricdata.Temporality {
	return e.temporality(k)
}

// Aggregation returns the aggregation for an instrument kind.
func (e *Metrics) Aggregation(k metric.InstrumentKind) metric.Aggregation {
	return e.aggregation(k)
}

// Export writes rm as one line, or several over the line cap
// (Options.MaxLineBytes); a collection without metrics writes
// nothing but touches a named pipe. A metric of an unknown aggregation or
// temporality is left out and reported in the error, the rest is written.
// After Shutdown it returns metric.ErrExporterShutdown. rm is not
// retained.
func (e *Metrics) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if !e.c.gate.enter() {
		return metric.ErrExporterShutdown
	}
	defer e.c.gate.leave()
	req, n, convErr := metricsRequest(rm)
	return errors.Join(e.c.write(ctx, req, n), convErr)
}

// Shutdown stops the exporter, waiting within ctx for exports in flight.
// Later calls do nothing.
func (e *Metrics) Shutdown(ctx context.Context) error { return e.c.shutdown(ctx) }

// ForceFlush returns at once: lines are written before Export returns.
func (e *Metrics) ForceFlush(ctx context.Context) error { return e.c.forceFlush(ctx) }

// errAggregation marks metrics left out of a request.
var errAggregation = errors.New("metric left out")

// metricsRequest converts rm, returning the request, its number of
// metrics, and the metrics it could not convert.
func metricsRequest(rm *metricdata.ResourceMetrics) (*colmetricspb.ExportMetricsServiceRequest, int, error) {
	req := &colmetricspb.ExportMetricsServiceRequest{}
	if rm == nil {
		return req, 0, nil
	}
	rs := &mpb.ResourceMetrics{Resource: resourceProto(rm.Resource), SchemaUrl: validUTF8(rm.Resource.SchemaURL())}
	var (
		n    int
		errs []error
	)
	for _, sm := range rm.ScopeMetrics {
		if len(sm.Metrics) == 0 {
			continue
		}
		ss := &mpb.ScopeMetrics{Scope: scopeProto(sm.Scope), SchemaUrl: validUTF8(sm.Scope.SchemaURL)}
		for _, m := range sm.Metrics {
			pm, err := metricProto(m)
			if err != nil {
				errs = append(errs, fmt.Errorf("%w: %s (scope %s): %w", errAggregation, m.Name, sm.Scope.Name, err))
				continue
			}
			ss.Metrics = append(ss.Metrics, pm)
		}
		if len(ss.Metrics) > 0 {
			rs.ScopeMetrics = append(rs.ScopeMetrics, ss)
			n += len(ss.Metrics)
		}
	}
	if n > 0 {
		req.ResourceMetrics = []*mpb.ResourceMetrics{rs}
	}
	return req, n, errors.Join(errs...)
}

func metricProto(m metricdata.Metrics) (*mpb.Metric, error) {
	out := &mpb.Metric{Name: validUTF8(m.Name), Description: validUTF8(m.Description), Unit: validUTF8(m.Unit)}
	var err error
	switch a := m.Data.(type) {
	case metricdata.Gauge[int64]:
		out.Data = &mpb.Metric_Gauge{Gauge: &mpb.Gauge{DataPoints: numberPoints(a.DataPoints)}}
	case metricdata.Gauge[float64]:
		out.Data = &mpb.Metric_Gauge{Gauge: &mpb.Gauge{DataPoints: numberPoints(a.DataPoints)}}
	case metricdata.Sum[int64]:
		out.Data, err = sum(a)
	case metricdata.Sum[float64]:
		out.Data, err = sum(a)
	case metricdata.Histogram[int64]:
		out.Data, err = histogram(a)
	case metricdata.Histogram[float64]:
		out.Data, err = histogram(a)
	case metricdata.ExponentialHistogram[int64]:
		out.Data, err = expHistogram(a)
	case metricdata.ExponentialHistogram[float64]:
		out.Data, err = expHistogram(a)
	case metricdata.Summary:
		out.Data = &mpb.Metric_Summary{Summary: &mpb.Summary{DataPoints: summaryPoints(a.DataPoints)}}
	default:
		err = fmt.Errorf("unknown aggregation %T", m.Data)
	}
	return out, err
}

func temporality(t metricdata.Temporality) (mpb.AggregationTemporality, error) {
	switch t {
	case metricdata.DeltaTemporality:
		return mpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA, nil
	case metricdata.CumulativeTemporality:
		return mpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE, nil
	}
	return 0, fmt.Errorf("unknown temporality %v", t)
}

func sum[N int64 | float64](s metricdata.Sum[N]) (*mpb.Metric_Sum, error) {
	t, err := temporality(s.Temporality)
	if err != nil {
		return nil, err
	}
	return &mpb.Metric_Sum{Sum: &mpb.Sum{
		AggregationTemporality: t,
		IsMonotonic:            s.IsMonotonic,
		DataPoints:             numberPoints(s.DataPoints),
	}}, nil
}

func numberPoints[N int64 | float64](pts []metricdata.DataPoint[N]) []*mpb.NumberDataPoint {
	out := make([]*mpb.NumberDataPoint, len(pts))
	for i, p := range pts {
		dp := &mpb.NumberDataPoint{
			Attributes:        setValues(&p.Attributes),
			StartTimeUnixNano: unixNano(p.StartTime),
			TimeUnixNano:      unixNano(p.Time),
			Exemplars:         exemplars(p.Exemplars),
		}
		switch v := any(p.Value).(type) {
		case int64:
			dp.Value = &mpb.NumberDataPoint_AsInt{AsInt: v}
		case float64:
			dp.Value = &mpb.NumberDataPoint_AsDouble{AsDouble: v}
		}
		out[i] = dp
	}
	return out
}

func histogram[N int64 | float64](h metricdata.Histogram[N]) (*mpb.Metric_Histogram, error) {
	t, err := temporality(h.Temporality)
	if err != nil {
		return nil, err
	}
	pts := make([]*mpb.HistogramDataPoint, len(h.DataPoints))
	for i, p := range h.DataPoints {
		s := float64(p.Sum)
		pts[i] = &mpb.HistogramDataPoint{
			Attributes:        setValues(&p.Attributes),
			StartTimeUnixNano: unixNano(p.StartTime),
			TimeUnixNano:      unixNano(p.Time),
			Count:             p.Count,
			Sum:               &s,
			BucketCounts:      p.BucketCounts,
			ExplicitBounds:    p.Bounds,
			Exemplars:         exemplars(p.Exemplars),
			Min:               extrema(p.Min),
			Max:               extrema(p.Max),
		}
	}
	return &mpb.Metric_Histogram{Histogram: &mpb.Histogram{AggregationTemporality: t, DataPoints: pts}}, nil
}

func expHistogram[N int64 | float64](h metricdata.ExponentialHistogram[N]) (*mpb.Metric_ExponentialHistogram, error) {
	t, err := temporality(h.Temporality)
	if err != nil {
		return nil, err
	}
	pts := make([]*mpb.ExponentialHistogramDataPoint, len(h.DataPoints))
	for i, p := range h.DataPoints {
		s := float64(p.Sum)
		pts[i] = &mpb.ExponentialHistogramDataPoint{
			Attributes:        setValues(&p.Attributes),
			StartTimeUnixNano: unixNano(p.StartTime),
			TimeUnixNano:      unixNano(p.Time),
			Count:             p.Count,
			Sum:               &s,
			Scale:             p.Scale,
			ZeroCount:         p.ZeroCount,
			ZeroThreshold:     p.ZeroThreshold,
			Positive:          &mpb.ExponentialHistogramDataPoint_Buckets{Offset: p.PositiveBucket.Offset, BucketCounts: p.PositiveBucket.Counts},
			Negative:          &mpb.ExponentialHistogramDataPoint_Buckets{Offset: p.NegativeBucket.Offset, BucketCounts: p.NegativeBucket.Counts},
			Exemplars:         exemplars(p.Exemplars),
			Min:               extrema(p.Min),
			Max:               extrema(p.Max),
		}
	}
	return &mpb.Metric_ExponentialHistogram{ExponentialHistogram: &mpb.ExponentialHistogram{AggregationTemporality: t, DataPoints: pts}}, nil
}

func extrema[N int64 | float64](e metricdata.Extrema[N]) *float64 {
	v, ok := e.Value()
	if !ok {
		return nil
	}
	f := float64(v)
	return &f
}

func summaryPoints(pts []metricdata.SummaryDataPoint) []*mpb.SummaryDataPoint {
	out := make([]*mpb.SummaryDataPoint, len(pts))
	for i, p := range pts {
		qs := make([]*mpb.SummaryDataPoint_ValueAtQuantile, len(p.QuantileValues))
		for j, q := range p.QuantileValues {
			qs[j] = &mpb.SummaryDataPoint_ValueAtQuantile{Quantile: q.Quantile, Value: q.Value}
		}
		out[i] = &mpb.SummaryDataPoint{
			Attributes:        setValues(&p.Attributes),
			StartTimeUnixNano: unixNano(p.StartTime),
			TimeUnixNano:      unixNano(p.Time),
			Count:             p.Count,
			Sum:               p.Sum,
			QuantileValues:    qs,
		}
	}
	return out
}

func exemplars[N int64 | float64](es []metricdata.Exemplar[N]) []*mpb.Exemplar {
	if len(es) == 0 {
		return nil
	}
	out := make([]*mpb.Exemplar, len(es))
	for i, e := range es {
		pe := &mpb.Exemplar{
			FilteredAttributes: keyValues(e.FilteredAttributes),
			TimeUnixNano:       unixNano(e.Time),
			SpanId:             e.SpanID,
			TraceId:            e.TraceID,
		}
		switch v := any(e.Value).(type) {
		case int64:
			pe.Value = &mpb.Exemplar_AsInt{AsInt: v}
		case float64:
			pe.Value = &mpb.Exemplar_AsDouble{AsDouble: v}
		}
		out[i] = pe
	}
	return out
}
