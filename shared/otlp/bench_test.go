package otlp

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/klauspost/compress/gzip"
	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	common "go.opentelemetry.io/proto/slim/otlp/common/v1"
	resource "go.opentelemetry.io/proto/slim/otlp/resource/v1"
	trace "go.opentelemetry.io/proto/slim/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// benchSet is ~6 MB of traces requests of 100 spans with 6 attributes
// each, from a few services (so that Merge has resources to merge), as an
// export batch would hold.
type benchSet struct {
	reqs  [][]byte
	gz    [][]byte // each request gzipped, for the gunzip floor
	bytes int
	spans int
}

var benchOnce = sync.OnceValue(func() *benchSet {
	const target = 6 << 20
	s := &benchSet{}
	for i := 0; s.bytes < target; i++ {
		b, err := proto.Marshal(benchRequest(i))
		if err != nil {
			panic(err)
		}
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_, _ = zw.Write(b)
		_ = zw.Close()
		s.reqs = append(s.reqs, b)
		s.gz = append(s.gz, z.Bytes())
		s.bytes += len(b)
		s.spans += 100
	}
	return s
})

func benchRequest(i int) *coltrace.ExportTraceServiceRequest {
	svc := fmt.Sprintf("checkout-%d", i%4)
	res := &resource.Resource{Attributes: []*common.KeyValue{
		str("service.name", svc), str("service.version", "1.4.2"),
		str("cloud.provider", "aws"), str("cloud.platform", "aws_lambda"),
		str("faas.name", svc), str("telemetry.sdk.language", "nodejs"),
	}}
	ss := &trace.ScopeSpans{Scope: &common.InstrumentationScope{Name: "@opentelemetry/instrumentation-http", Version: "0.52.1"}}
	id := func(n, salt int) []byte {
		b := make([]byte, n)
		for k := range b {
			b[k] = byte(i*31 + salt*7 + k)
		}
		return b
	}
	for j := range 100 {
		ss.Spans = append(ss.Spans, &trace.Span{
			TraceId: id(16, j/10), SpanId: id(8, j), ParentSpanId: id(8, j-1),
			Name: "GET /api/v1/cart/{id}", Kind: trace.Span_SPAN_KIND_SERVER,
			StartTimeUnixNano: 1_700_000_000_000_000_000 + uint64(i*1000+j), EndTimeUnixNano: 1_700_000_000_005_000_000 + uint64(i*1000+j),
			Attributes: []*common.KeyValue{
				str("http.request.method", "GET"),
				str("url.path", fmt.Sprintf("/api/v1/cart/%d", i*100+j)),
				{Key: "http.response.status_code", Value: &common.AnyValue{Value: &common.AnyValue_IntValue{IntValue: 200}}},
				str("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"),
				str("server.address", "api.example.com"),
				{Key: "http.server.duration_ms", Value: &common.AnyValue{Value: &common.AnyValue_DoubleValue{DoubleValue: 4.25}}},
			},
			Status: &trace.Status{Code: trace.Status_STATUS_CODE_OK},
		})
	}
	return &coltrace.ExportTraceServiceRequest{ResourceSpans: []*trace.ResourceSpans{
		{Resource: res, ScopeSpans: []*trace.ScopeSpans{ss}, SchemaUrl: "https://opentelemetry.io/schemas/1.26.0"},
	}}
}

func (s *benchSet) report(b *testing.B) {
	b.ReportMetric(float64(s.spans)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
}

func BenchmarkScan(b *testing.B) {
	s := benchOnce()
	b.SetBytes(int64(s.bytes))
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range s.reqs {
			if _, err := Scan(Traces, r); err != nil {
				b.Fatal(err)
			}
		}
	}
	s.report(b)
}

func BenchmarkEnrich(b *testing.B) {
	s := benchOnce()
	attrs := []Attr{
		{Key: "cloud.provider", Str: "aws"}, // present: not added
		{Key: "cloud.account.id", Str: "123456789012"},
		{Key: "cloud.region", Str: "eu-west-1"},
		{Key: "aws.log.group.names", Strs: []string{"/aws/lambda/checkout"}},
		{Key: "aws.log.stream.names", Strs: []string{"2026/11/24/[$LATEST]0123456789abcdef"}},
	}
	b.Run("add", func(b *testing.B) {
		b.SetBytes(int64(s.bytes))
		b.ReportAllocs()
		for b.Loop() {
			for _, r := range s.reqs {
				Enrich(Traces, r, attrs)
			}
		}
		s.report(b)
	})
	b.Run("present", func(b *testing.B) {
		b.SetBytes(int64(s.bytes))
		b.ReportAllocs()
		for b.Loop() {
			for _, r := range s.reqs {
				Enrich(Traces, r, attrs[:1])
			}
		}
		s.report(b)
	})
}

func BenchmarkMerge(b *testing.B) {
	s := benchOnce()
	for _, limit := range []int{0, 1 << 20} {
		b.Run(fmt.Sprintf("max=%d", limit), func(b *testing.B) {
			b.SetBytes(int64(s.bytes))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Merge(Traces, s.reqs, limit); err != nil {
					b.Fatal(err)
				}
			}
			s.report(b)
		})
	}
}

func BenchmarkSplit(b *testing.B) {
	s := benchOnce()
	batches, err := Merge(Traces, s.reqs, 0)
	if err != nil || len(batches) != 1 {
		b.Fatal(err)
	}
	one := batches[0].Data
	b.SetBytes(int64(len(one)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Split(Traces, one, 1<<20); err != nil {
			b.Fatal(err)
		}
	}
	s.report(b)
}

// The floors the hot path is measured against.
func BenchmarkFloor(b *testing.B) {
	s := benchOnce()
	b.Run("memcpy", func(b *testing.B) {
		dst := make([]byte, 0, s.bytes)
		b.SetBytes(int64(s.bytes))
		b.ReportAllocs()
		for b.Loop() {
			dst = dst[:0]
			for _, r := range s.reqs {
				dst = append(dst, r...)
			}
		}
		s.report(b)
	})
	b.Run("alloc+memcpy", func(b *testing.B) {
		b.SetBytes(int64(s.bytes))
		b.ReportAllocs()
		for b.Loop() {
			dst := make([]byte, 0, s.bytes)
			for _, r := range s.reqs {
				dst = append(dst, r...)
			}
		}
		s.report(b)
	})
	b.Run("gunzip", func(b *testing.B) {
		zr := new(gzip.Reader)
		dst := make([]byte, 64<<10)
		b.SetBytes(int64(s.bytes))
		b.ReportAllocs()
		for b.Loop() {
			for _, z := range s.gz {
				if err := zr.Reset(bytes.NewReader(z)); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(zr, dst[:cap(dst)]); err != nil && err != io.ErrUnexpectedEOF {
					b.Fatal(err)
				}
			}
		}
		s.report(b)
	})
	b.Run("proto.Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(s.bytes))
		b.ReportAllocs()
		for b.Loop() {
			for _, r := range s.reqs {
				var m coltrace.ExportTraceServiceRequest
				if err := proto.Unmarshal(r, &m); err != nil {
					b.Fatal(err)
				}
			}
		}
		s.report(b)
	})
}
