package otlp

import (
	"fmt"
	"math/rand/v2"

	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	common "go.opentelemetry.io/proto/slim/otlp/common/v1"
	logs "go.opentelemetry.io/proto/slim/otlp/logs/v1"
	metrics "go.opentelemetry.io/proto/slim/otlp/metrics/v1"
	resource "go.opentelemetry.io/proto/slim/otlp/resource/v1"
	trace "go.opentelemetry.io/proto/slim/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// gen builds random export requests with the Go types. Resources and
// scopes are drawn from small pools so that identical ones recur across
// requests (what Merge merges), and some carry unknown fields.
type gen struct {
	r         *rand.Rand
	resources []*resource.Resource
	scopes    []*common.InstrumentationScope
	unknown   bool // add unknown fields to containers and items
}

func newGen(seed uint64) *gen {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), unknown: true}
	for i := range 4 {
		res := &resource.Resource{Attributes: []*common.KeyValue{
			str("service.name", fmt.Sprintf("svc-%d", i)),
			str("cloud.provider", "aws"),
		}}
		if i == 1 {
			res.Attributes = append(res.Attributes, g.attrs(4)...)
			res.DroppedAttributesCount = 2
		}
		if i == 2 {
			res.EntityRefs = []*common.EntityRef{{SchemaUrl: "https://s", Type: "service", IdKeys: []string{"service.name"}, DescriptionKeys: []string{"a", "b"}}}
		}
		g.resources = append(g.resources, res)
	}
	g.resources = append(g.resources, nil) // no resource at all
	for i := range 3 {
		g.scopes = append(g.scopes, &common.InstrumentationScope{Name: fmt.Sprintf("lib-%d", i), Version: "1.0", Attributes: g.attrs(i)})
	}
	g.scopes = append(g.scopes, nil)
	return g
}

func str(k, v string) *common.KeyValue {
	return &common.KeyValue{Key: k, Value: &common.AnyValue{Value: &common.AnyValue_StringValue{StringValue: v}}}
}

func (g *gen) n(max int) int { return g.r.IntN(max + 1) }

func (g *gen) text() string {
	words := []string{"", "a", "GET /", "héllo wörld", "日本語", "x.y.z", "emoji 🙂", "long-" + fmt.Sprint(g.r.Uint64())}
	return words[g.r.IntN(len(words))]
}

func (g *gen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return b
}

// value returns an AnyValue of every kind, nesting arrays and kvlists.
func (g *gen) value(depth int) *common.AnyValue {
	k := g.r.IntN(8)
	if depth > 3 && k >= 4 {
		k = 0
	}
	switch k {
	case 0:
		return &common.AnyValue{Value: &common.AnyValue_StringValue{StringValue: g.text()}}
	case 1:
		return &common.AnyValue{Value: &common.AnyValue_BoolValue{BoolValue: g.r.IntN(2) == 1}}
	case 2:
		return &common.AnyValue{Value: &common.AnyValue_IntValue{IntValue: g.r.Int64() - g.r.Int64()}}
	case 3:
		return &common.AnyValue{Value: &common.AnyValue_DoubleValue{DoubleValue: g.r.NormFloat64()}}
	case 4:
		arr := &common.ArrayValue{}
		for range g.n(3) {
			arr.Values = append(arr.Values, g.value(depth+1))
		}
		return &common.AnyValue{Value: &common.AnyValue_ArrayValue{ArrayValue: arr}}
	case 5:
		kv := &common.KeyValueList{}
		for range g.n(3) {
			kv.Values = append(kv.Values, &common.KeyValue{Key: g.text(), Value: g.value(depth + 1)})
		}
		return &common.AnyValue{Value: &common.AnyValue_KvlistValue{KvlistValue: kv}}
	case 6:
		return &common.AnyValue{Value: &common.AnyValue_BytesValue{BytesValue: g.bytes(g.n(5))}}
	}
	return &common.AnyValue{} // no value
}

func (g *gen) attrs(n int) []*common.KeyValue {
	var kvs []*common.KeyValue
	for i := range n {
		kvs = append(kvs, &common.KeyValue{Key: fmt.Sprintf("k%d.%s", i, g.text()), Value: g.value(0)})
	}
	return kvs
}

func (g *gen) pick() (*resource.Resource, *common.InstrumentationScope, string, string) {
	schemas := []string{"", "", "https://opentelemetry.io/schemas/1.26.0"}
	return g.resources[g.r.IntN(len(g.resources))], g.scopes[g.r.IntN(len(g.scopes))],
		schemas[g.r.IntN(len(schemas))], schemas[g.r.IntN(len(schemas))]
}

// withUnknown adds an unknown field to m now and then.
func (g *gen) withUnknown(m proto.Message) {
	if !g.unknown || g.r.IntN(6) != 0 {
		return
	}
	var u []byte
	switch g.r.IntN(3) {
	case 0:
		u = protowire.AppendTag(u, 1000, protowire.VarintType)
		u = protowire.AppendVarint(u, g.r.Uint64())
	case 1:
		u = protowire.AppendTag(u, 77, protowire.BytesType)
		u = protowire.AppendBytes(u, g.bytes(g.n(4)))
	case 2:
		u = protowire.AppendTag(u, 99, protowire.StartGroupType)
		u = protowire.AppendTag(u, 1, protowire.Fixed32Type)
		u = protowire.AppendFixed32(u, g.r.Uint32())
		u = protowire.AppendTag(u, 99, protowire.EndGroupType)
	}
	m.ProtoReflect().SetUnknown(u)
}

func (g *gen) traces() *coltrace.ExportTraceServiceRequest {
	req := &coltrace.ExportTraceServiceRequest{}
	for range 1 + g.n(3) {
		res, _, rsu, _ := g.pick()
		rs := &trace.ResourceSpans{Resource: res, SchemaUrl: rsu}
		g.withUnknown(rs)
		for range g.n(3) {
			_, scope, _, ssu := g.pick()
			ss := &trace.ScopeSpans{Scope: scope, SchemaUrl: ssu}
			g.withUnknown(ss)
			for range g.n(6) {
				ss.Spans = append(ss.Spans, g.span())
			}
			rs.ScopeSpans = append(rs.ScopeSpans, ss)
		}
		req.ResourceSpans = append(req.ResourceSpans, rs)
	}
	return req
}

func (g *gen) span() *trace.Span {
	sp := &trace.Span{
		TraceId: g.bytes(16), SpanId: g.bytes(8), Name: g.text(),
		Kind:              trace.Span_SpanKind(g.r.IntN(6)),
		StartTimeUnixNano: g.r.Uint64(), EndTimeUnixNano: g.r.Uint64(),
		Attributes: g.attrs(g.n(6)), Flags: g.r.Uint32(),
	}
	if g.r.IntN(2) == 0 {
		sp.ParentSpanId = g.bytes(8)
		sp.TraceState = "k=v"
		sp.Status = &trace.Status{Code: trace.Status_STATUS_CODE_ERROR, Message: g.text()}
	}
	for range g.n(2) {
		sp.Events = append(sp.Events, &trace.Span_Event{TimeUnixNano: g.r.Uint64(), Name: g.text(), Attributes: g.attrs(g.n(2)), DroppedAttributesCount: 1})
	}
	for range g.n(2) {
		sp.Links = append(sp.Links, &trace.Span_Link{TraceId: g.bytes(16), SpanId: g.bytes(8), TraceState: g.text(), Attributes: g.attrs(1), Flags: 1})
	}
	g.withUnknown(sp)
	return sp
}

func (g *gen) metricsReq() *colmetrics.ExportMetricsServiceRequest {
	req := &colmetrics.ExportMetricsServiceRequest{}
	for range 1 + g.n(3) {
		res, _, rsu, _ := g.pick()
		rm := &metrics.ResourceMetrics{Resource: res, SchemaUrl: rsu}
		g.withUnknown(rm)
		for range g.n(3) {
			_, scope, _, ssu := g.pick()
			sm := &metrics.ScopeMetrics{Scope: scope, SchemaUrl: ssu}
			g.withUnknown(sm)
			for range g.n(5) {
				sm.Metrics = append(sm.Metrics, g.metric())
			}
			rm.ScopeMetrics = append(rm.ScopeMetrics, sm)
		}
		req.ResourceMetrics = append(req.ResourceMetrics, rm)
	}
	return req
}

func (g *gen) exemplars() []*metrics.Exemplar {
	var ex []*metrics.Exemplar
	for range g.n(1) {
		e := &metrics.Exemplar{FilteredAttributes: g.attrs(1), TimeUnixNano: g.r.Uint64(), SpanId: g.bytes(8), TraceId: g.bytes(16)}
		if g.r.IntN(2) == 0 {
			e.Value = &metrics.Exemplar_AsDouble{AsDouble: g.r.Float64()}
		} else {
			e.Value = &metrics.Exemplar_AsInt{AsInt: g.r.Int64()}
		}
		ex = append(ex, e)
	}
	return ex
}

func (g *gen) numberPoints() []*metrics.NumberDataPoint {
	var dps []*metrics.NumberDataPoint
	for range g.n(4) {
		dp := &metrics.NumberDataPoint{Attributes: g.attrs(g.n(2)), StartTimeUnixNano: g.r.Uint64(), TimeUnixNano: g.r.Uint64(), Exemplars: g.exemplars(), Flags: uint32(g.n(1))}
		if g.r.IntN(2) == 0 {
			dp.Value = &metrics.NumberDataPoint_AsDouble{AsDouble: g.r.Float64()}
		} else {
			dp.Value = &metrics.NumberDataPoint_AsInt{AsInt: g.r.Int64()}
		}
		dps = append(dps, dp)
	}
	return dps
}

func (g *gen) metric() *metrics.Metric {
	m := &metrics.Metric{Name: g.text(), Description: g.text(), Unit: "ms"}
	if g.r.IntN(4) == 0 {
		m.Metadata = g.attrs(1)
	}
	f := func() *float64 { v := g.r.Float64(); return &v }
	switch g.r.IntN(6) {
	case 0:
		m.Data = &metrics.Metric_Gauge{Gauge: &metrics.Gauge{DataPoints: g.numberPoints()}}
	case 1:
		m.Data = &metrics.Metric_Sum{Sum: &metrics.Sum{DataPoints: g.numberPoints(), AggregationTemporality: metrics.AggregationTemporality(g.r.IntN(3)), IsMonotonic: true}}
	case 2:
		h := &metrics.Histogram{AggregationTemporality: 2}
		for range g.n(3) {
			h.DataPoints = append(h.DataPoints, &metrics.HistogramDataPoint{
				Attributes: g.attrs(1), StartTimeUnixNano: 1, TimeUnixNano: 2, Count: 10, Sum: f(),
				BucketCounts: []uint64{1, 2, 3, g.r.Uint64()}, ExplicitBounds: []float64{0.5, 1, 2},
				Exemplars: g.exemplars(), Min: f(), Max: f(),
			})
		}
		m.Data = &metrics.Metric_Histogram{Histogram: h}
	case 3:
		h := &metrics.ExponentialHistogram{AggregationTemporality: 1}
		for range g.n(3) {
			h.DataPoints = append(h.DataPoints, &metrics.ExponentialHistogramDataPoint{
				Attributes: g.attrs(1), TimeUnixNano: 2, Count: 5, Sum: f(), Scale: int32(g.r.IntN(20)) - 10, ZeroCount: 1,
				Positive:      &metrics.ExponentialHistogramDataPoint_Buckets{Offset: -3, BucketCounts: []uint64{1, g.r.Uint64()}},
				Negative:      &metrics.ExponentialHistogramDataPoint_Buckets{Offset: 2},
				ZeroThreshold: 0.001, Exemplars: g.exemplars(),
			})
		}
		m.Data = &metrics.Metric_ExponentialHistogram{ExponentialHistogram: h}
	case 4:
		s := &metrics.Summary{}
		for range g.n(3) {
			s.DataPoints = append(s.DataPoints, &metrics.SummaryDataPoint{
				Attributes: g.attrs(1), TimeUnixNano: 2, Count: 3, Sum: 1.5,
				QuantileValues: []*metrics.SummaryDataPoint_ValueAtQuantile{{Quantile: 0.5, Value: 1}, {Quantile: 0.99, Value: 9}},
			})
		}
		m.Data = &metrics.Metric_Summary{Summary: s}
	} // 5: a metric without data
	g.withUnknown(m)
	return m
}

func (g *gen) logsReq() *collogs.ExportLogsServiceRequest {
	req := &collogs.ExportLogsServiceRequest{}
	for range 1 + g.n(3) {
		res, _, rsu, _ := g.pick()
		rl := &logs.ResourceLogs{Resource: res, SchemaUrl: rsu}
		g.withUnknown(rl)
		for range g.n(3) {
			_, scope, _, ssu := g.pick()
			sl := &logs.ScopeLogs{Scope: scope, SchemaUrl: ssu}
			g.withUnknown(sl)
			for range g.n(6) {
				lr := &logs.LogRecord{
					TimeUnixNano: g.r.Uint64(), ObservedTimeUnixNano: g.r.Uint64(),
					SeverityNumber: logs.SeverityNumber(g.r.IntN(25)), SeverityText: "INFO",
					Body: g.value(0), Attributes: g.attrs(g.n(3)), Flags: 1, EventName: g.text(),
				}
				if g.r.IntN(2) == 0 {
					lr.TraceId, lr.SpanId = g.bytes(16), g.bytes(8)
				}
				g.withUnknown(lr)
				sl.LogRecords = append(sl.LogRecords, lr)
			}
			rl.ScopeLogs = append(rl.ScopeLogs, sl)
		}
		req.ResourceLogs = append(req.ResourceLogs, rl)
	}
	return req
}

// request returns a random request of the signal, serialized.
func (g *gen) request(sig Signal) []byte {
	var m proto.Message
	switch sig {
	case Traces:
		m = g.traces()
	case Metrics:
		m = g.metricsReq()
	default:
		m = g.logsReq()
	}
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}
