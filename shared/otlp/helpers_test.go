package otlp

import (
	"fmt"
	"slices"
	"testing"

	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	metrics "go.opentelemetry.io/proto/slim/otlp/metrics/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

func newMsg(sig Signal) proto.Message {
	switch sig {
	case Traces:
		return &coltrace.ExportTraceServiceRequest{}
	case Metrics:
		return &colmetrics.ExportMetricsServiceRequest{}
	}
	return &collogs.ExportLogsServiceRequest{}
}

func unmarshal(sig Signal, b []byte) (proto.Message, error) {
	m := newMsg(sig)
	return m, proto.Unmarshal(b, m)
}

var det = proto.MarshalOptions{Deterministic: true}

// telemetry is what requests carry, as decoded: for each resource and
// scope (their containers without children, re-serialized), the items in
// order. Containers without items carry nothing.
type telemetry struct {
	seqs                      map[string][]string
	resources, scopes, items  int
	itemRecords, emptyMetrics int
}

// decodeAll decodes requests with proto.Unmarshal and collects their
// telemetry.
func decodeAll(t testing.TB, sig Signal, reqs ...[]byte) *telemetry {
	t.Helper()
	tel := &telemetry{seqs: map[string][]string{}}
	l := layouts[sig]
	for i, b := range reqs {
		m, err := unmarshal(sig, b)
		if err != nil {
			t.Fatalf("request %d does not decode: %v", i, err)
		}
		tel.add(t, l, m.ProtoReflect())
	}
	return tel
}

func (tel *telemetry) add(t testing.TB, l *layout, req protoreflect.Message) {
	fds := req.Descriptor().Fields()
	rxs := req.Get(fds.ByNumber(l.resourceX)).List()
	for i := 0; i < rxs.Len(); i++ {
		tel.resources++
		rx := rxs.Get(i).Message()
		sxFD := rx.Descriptor().Fields().ByNumber(l.scopeX)
		rkey := strip(t, rx, sxFD)
		sxs := rx.Get(sxFD).List()
		for j := 0; j < sxs.Len(); j++ {
			tel.scopes++
			sx := sxs.Get(j).Message()
			itFD := sx.Descriptor().Fields().ByNumber(l.item)
			key := rkey + "|" + strip(t, sx, itFD)
			its := sx.Get(itFD).List()
			for k := 0; k < its.Len(); k++ {
				it := its.Get(k).Message()
				b, err := det.Marshal(it.Interface())
				if err != nil {
					t.Fatal(err)
				}
				tel.seqs[key] = append(tel.seqs[key], string(b))
				tel.itemRecords++
				if m, ok := it.Interface().(*metrics.Metric); ok {
					n := dataPoints(m)
					tel.items += n
					if n == 0 {
						tel.emptyMetrics++
					}
				} else {
					tel.items++
				}
			}
		}
	}
}

// strip serializes m without its field fd (the children).
func strip(t testing.TB, m protoreflect.Message, fd protoreflect.FieldDescriptor) string {
	c := m.New()
	m.Range(func(f protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if f != fd {
			c.Set(f, v)
		}
		return true
	})
	c.SetUnknown(m.GetUnknown())
	b, err := det.Marshal(c.Interface())
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%q", b)
}

func dataPoints(m *metrics.Metric) int {
	switch d := m.Data.(type) {
	case *metrics.Metric_Gauge:
		return len(d.Gauge.GetDataPoints())
	case *metrics.Metric_Sum:
		return len(d.Sum.GetDataPoints())
	case *metrics.Metric_Histogram:
		return len(d.Histogram.GetDataPoints())
	case *metrics.Metric_ExponentialHistogram:
		return len(d.ExponentialHistogram.GetDataPoints())
	case *metrics.Metric_Summary:
		return len(d.Summary.GetDataPoints())
	}
	return 0
}

// sameTelemetry fails t unless got carries exactly the items of want, in
// the same order for each resource and scope.
func sameTelemetry(t testing.TB, want, got *telemetry) {
	t.Helper()
	if want.items != got.items || want.itemRecords != got.itemRecords {
		t.Fatalf("items: got %d in %d records, want %d in %d", got.items, got.itemRecords, want.items, want.itemRecords)
	}
	for k, w := range want.seqs {
		if g := got.seqs[k]; !slices.Equal(w, g) {
			t.Fatalf("resource/scope %.200s: got %d items, want %d (or a different order)", k, len(g), len(w))
		}
	}
	for k := range got.seqs {
		if _, ok := want.seqs[k]; !ok {
			t.Fatalf("unexpected resource/scope %.200s", k)
		}
	}
}
