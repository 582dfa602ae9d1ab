package otlp

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	common "go.opentelemetry.io/proto/slim/otlp/common/v1"
	resource "go.opentelemetry.io/proto/slim/otlp/resource/v1"
	trace "go.opentelemetry.io/proto/slim/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// checkBatches asserts everything Merge and Split promise about batches
// made from reqs, and returns the decoded telemetry of the batches.
func checkBatches(t testing.TB, sig Signal, reqs [][]byte, batches []Batch, maxBytes int, merged bool) *telemetry {
	t.Helper()
	return checkBatchesOf(t, sig, decodeAll(t, sig, reqs...), batches, maxBytes, merged)
}

func checkBatchesOf(t testing.TB, sig Signal, want *telemetry, batches []Batch, maxBytes int, merged bool) *telemetry {
	t.Helper()
	l := layouts[sig]
	got := &telemetry{seqs: map[string][]string{}}
	for i, bt := range batches {
		st, err := Scan(sig, bt.Data)
		if err != nil {
			t.Fatalf("batch %d: Scan: %v", i, err)
		}
		if st.Items != bt.Items {
			t.Fatalf("batch %d: Items %d, Scan counts %d", i, bt.Items, st.Items)
		}
		m, err := unmarshal(sig, bt.Data)
		if err != nil {
			t.Fatalf("batch %d does not decode: %v", i, err)
		}
		one := &telemetry{seqs: map[string][]string{}}
		one.add(t, l, m.ProtoReflect())
		if one.itemRecords == 0 {
			t.Fatalf("batch %d is empty", i)
		}
		if maxBytes > 0 && len(bt.Data) > maxBytes && one.itemRecords != 1 {
			t.Fatalf("batch %d: %d bytes > %d with %d items", i, len(bt.Data), maxBytes, one.itemRecords)
		}
		if merged && one.resources != distinctResources(t, l, m) {
			t.Fatalf("batch %d: resources left unmerged", i)
		}
		if merged && len(one.seqs) != one.scopes {
			t.Fatalf("batch %d: %d scopes for %d distinct resource/scope pairs", i, one.scopes, len(one.seqs))
		}
		got.add(t, l, m.ProtoReflect())
	}
	sameTelemetry(t, want, got)
	return got
}

// distinctResources counts the distinct resources (container without its
// scopes) in a request.
func distinctResources(t testing.TB, l *layout, m proto.Message) int {
	rxs := m.ProtoReflect().Get(m.ProtoReflect().Descriptor().Fields().ByNumber(l.resourceX)).List()
	seen := map[string]bool{}
	for i := 0; i < rxs.Len(); i++ {
		rx := rxs.Get(i).Message()
		seen[strip(t, rx, rx.Descriptor().Fields().ByNumber(l.scopeX))] = true
	}
	return len(seen)
}

func TestMergeProperties(t *testing.T) {
	rounds := 100
	if testing.Short() {
		rounds = 50
	}
	for _, sig := range Signals {
		g := newGen(1000 + uint64(sig))
		for r := range rounds {
			reqs := make([][]byte, 1+g.n(8))
			total := 0
			for i := range reqs {
				reqs[i] = g.request(sig)
				total += len(reqs[i])
			}
			want := decodeAll(t, sig, reqs...)
			for _, maxBytes := range []int{0, 1, 100, 400, 1500, total / 3, total} {
				batches, err := Merge(sig, reqs, maxBytes)
				if err != nil {
					t.Fatalf("%s round %d: %v", sig, r, err)
				}
				checkBatchesOf(t, sig, want, batches, maxBytes, true)
				if maxBytes <= 0 && len(batches) > 1 {
					t.Fatalf("%s round %d: %d batches without a limit", sig, r, len(batches))
				}
			}
		}
	}
}

func TestSplitProperties(t *testing.T) {
	rounds := 100
	if testing.Short() {
		rounds = 50
	}
	for _, sig := range Signals {
		g := newGen(2000 + uint64(sig))
		for r := range rounds {
			b := g.request(sig)
			want := decodeAll(t, sig, b)
			for _, maxBytes := range []int{0, 1, 100, 400, 1500, len(b) / 2, len(b)} {
				batches, err := Split(sig, b, maxBytes)
				if err != nil {
					t.Fatalf("%s round %d: %v", sig, r, err)
				}
				if maxBytes <= 0 || len(b) <= maxBytes {
					if len(batches) != 1 || &batches[0].Data[0] != &b[0] || len(batches[0].Data) != len(b) {
						t.Fatalf("%s round %d: a request that fits is not returned as it is", sig, r)
					}
					st, _ := Scan(sig, b)
					if batches[0].Items != st.Items {
						t.Fatalf("%s round %d: Items %d, want %d", sig, r, batches[0].Items, st.Items)
					}
					continue
				}
				checkBatchesOf(t, sig, want, batches, maxBytes, false)
			}
		}
	}
}

// Containers for table tests.
func rs(res *resource.Resource, schema string, scopes ...*trace.ScopeSpans) *trace.ResourceSpans {
	return &trace.ResourceSpans{Resource: res, SchemaUrl: schema, ScopeSpans: scopes}
}

func ss(name string, spans ...*trace.Span) *trace.ScopeSpans {
	return &trace.ScopeSpans{Scope: &common.InstrumentationScope{Name: name}, Spans: spans}
}

func spans(prefix string, n, size int) []*trace.Span {
	out := make([]*trace.Span, n)
	for i := range out {
		out[i] = &trace.Span{Name: fmt.Sprintf("%s%d", prefix, i), Attributes: []*common.KeyValue{str("pad", strings.Repeat("x", size))}}
	}
	return out
}

func res(name string) *resource.Resource {
	return &resource.Resource{Attributes: []*common.KeyValue{str("service.name", name)}}
}

func traceReq(t testing.TB, rss ...*trace.ResourceSpans) []byte {
	return mustMarshal(t, &coltrace.ExportTraceServiceRequest{ResourceSpans: rss})
}

// shape describes a traces request: per resource, per scope, the span
// names, e.g. "a{s[a0 a1]}".
func shape(t testing.TB, b []byte) string {
	t.Helper()
	var req coltrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, r := range req.ResourceSpans {
		name := "-"
		if len(r.GetResource().GetAttributes()) > 0 {
			name = r.Resource.Attributes[0].Value.GetStringValue()
		}
		if r.SchemaUrl != "" {
			name += "@" + r.SchemaUrl
		}
		sb.WriteString(name + "{")
		for _, s := range r.ScopeSpans {
			sb.WriteString(s.GetScope().GetName() + "[")
			for i, sp := range s.Spans {
				if i > 0 {
					sb.WriteByte(' ')
				}
				sb.WriteString(sp.Name)
			}
			sb.WriteString("]")
		}
		sb.WriteString("}")
	}
	return sb.String()
}

func TestMerge(t *testing.T) {
	one := spans("a", 1, 0)[0]
	oneSize := proto.Size(one)
	big := spans("b", 10, 100) // ~110 bytes each
	small := spans("s", 2, 0)
	bigScope := proto.Size(ss("l", big...))
	tests := []struct {
		name     string
		reqs     [][]byte
		maxBytes int
		want     []string // shape of each batch
	}{
		{name: "nothing", reqs: nil, want: nil},
		{name: "only empty containers", reqs: [][]byte{traceReq(t, rs(res("a"), "", ss("l")), rs(res("b"), ""))}, want: nil},
		{name: "same resource and scope merge",
			reqs: [][]byte{traceReq(t, rs(res("a"), "", ss("l", spans("x", 2, 0)...))), traceReq(t, rs(res("a"), "", ss("l", spans("y", 1, 0)...)))},
			want: []string{"a{l[x0 x1 y0]}"}},
		{name: "order of first appearance",
			reqs: [][]byte{
				traceReq(t, rs(res("a"), "", ss("l", spans("x", 1, 0)...)), rs(res("b"), "", ss("m", spans("y", 1, 0)...))),
				traceReq(t, rs(res("b"), "", ss("l", spans("z", 1, 0)...), ss("m", spans("w", 1, 0)...)), rs(res("a"), "", ss("l", spans("v", 1, 0)...)))},
			want: []string{"a{l[x0 v0]}b{m[y0 w0]l[z0]}"}},
		{name: "schema_url keeps resources apart",
			reqs: [][]byte{traceReq(t, rs(res("a"), "s1", ss("l", spans("x", 1, 0)...)), rs(res("a"), "s2", ss("l", spans("y", 1, 0)...)))},
			want: []string{"a@s1{l[x0]}a@s2{l[y0]}"}},
		{name: "missing resource is its own resource",
			reqs: [][]byte{traceReq(t, rs(nil, "", ss("l", spans("x", 1, 0)...)), rs(res("a"), "", ss("l", spans("y", 1, 0)...)), rs(nil, "", ss("l", spans("z", 1, 0)...)))},
			want: []string{"-{l[x0 z0]}a{l[y0]}"}},
		{name: "a resource that fits alone starts the next batch",
			reqs:     [][]byte{traceReq(t, rs(res("a"), "", ss("l", small...)), rs(res("b"), "", ss("l", big...)))},
			maxBytes: bigScope + 40,
			want:     []string{"a{l[s0 s1]}", "b{l[b0 b1 b2 b3 b4 b5 b6 b7 b8 b9]}"}},
		{name: "a resource too big is split, filling the batch",
			reqs:     [][]byte{traceReq(t, rs(res("a"), "", ss("l", small...)), rs(res("b"), "", ss("l", big...)))},
			maxBytes: bigScope / 2,
			want:     []string{"a{l[s0 s1]}b{l[b0 b1 b2 b3]}", "b{l[b4 b5 b6 b7]}", "b{l[b8 b9]}"}},
		{name: "a scope that fits alone starts the next batch",
			reqs:     [][]byte{traceReq(t, rs(res("b"), "", ss("k", spans("s", 3, 0)...), ss("l", big...), ss("m", small...)))},
			maxBytes: len(traceReq(t, rs(res("b"), "", ss("l", big...), ss("m", small...)))),
			want:     []string{"b{k[s0 s1 s2]}", "b{l[b0 b1 b2 b3 b4 b5 b6 b7 b8 b9]m[s0 s1]}"}},
		{name: "an item too big goes alone",
			reqs:     [][]byte{traceReq(t, rs(res("a"), "", ss("l", small[0], big[0], small[1])))},
			maxBytes: 60,
			want:     []string{"a{l[s0]}", "a{l[b0]}", "a{l[s1]}"}},
		{name: "limit below any item",
			reqs:     [][]byte{traceReq(t, rs(res("a"), "", ss("l", one, one)))},
			maxBytes: oneSize,
			want:     []string{"a{l[a0]}", "a{l[a0]}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			batches, err := Merge(Traces, tt.reqs, tt.maxBytes)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range batches {
				got = append(got, shape(t, b.Data))
			}
			if strings.Join(got, " | ") != strings.Join(tt.want, " | ") {
				t.Errorf("batches\n got %q\nwant %q", got, tt.want)
			}
			checkBatches(t, Traces, tt.reqs, batches, tt.maxBytes, true)
		})
	}
}

// Metrics with the same name stay apart; their data points are untouched.
func TestMergeKeepsMetrics(t *testing.T) {
	b := lenF(1, lenF(2, lenF(2, strF(1, "m"), lenF(5, lenF(1, fix64F(3, 1))))))
	batches, err := Merge(Metrics, [][]byte{b, b}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := lenF(1, lenF(2, lenF(2, strF(1, "m"), lenF(5, lenF(1, fix64F(3, 1)))), lenF(2, strF(1, "m"), lenF(5, lenF(1, fix64F(3, 1))))))
	if len(batches) != 1 || string(batches[0].Data) != string(want) || batches[0].Items != 2 {
		t.Fatalf("got %x (%d items), want %x", batches, batches[0].Items, want)
	}
}

// Only the last member of Metric.data counts, as in the decoded message.
func TestMergeCountsLikeProto(t *testing.T) {
	metric := lenF(2, strF(1, "m"), lenF(5, lenF(1), lenF(1)), lenF(7, lenF(1)))
	b := lenF(1, lenF(2, metric, metric))
	for _, maxBytes := range []int{0, 1} {
		batches, err := Merge(Metrics, [][]byte{b}, maxBytes)
		if err != nil {
			t.Fatal(err)
		}
		items := 0
		for _, bt := range batches {
			items += bt.Items
		}
		if items != 2 {
			t.Errorf("max %d: %d items, want 2", maxBytes, items)
		}
		checkBatches(t, Metrics, [][]byte{b}, batches, maxBytes, true)
	}
}

// Container fields after the children (schema_url is field 3) and unknown
// fields are part of what must match.
func TestMergeHeaders(t *testing.T) {
	span := lenF(2, strF(5, "x"))
	mk := func(extra ...[]byte) []byte {
		return lenF(1, strF(3, "url"), lenF(2, lenF(1, strF(1, "lib")), span, strF(3, "surl")), cat(extra...), lenF(1, lenF(1, strF(1, "k"))))
	}
	a, b := mk(), mk(varF(99, 1))
	batches, err := Merge(Traces, [][]byte{a, a, b}, 0)
	if err != nil {
		t.Fatal(err)
	}
	tel := checkBatches(t, Traces, [][]byte{a, a, b}, batches, 0, true)
	if tel.resources != 2 || tel.scopes != 2 || tel.itemRecords != 3 {
		t.Errorf("%d resources, %d scopes, %d items; want 2, 2, 3", tel.resources, tel.scopes, tel.itemRecords)
	}
}

func TestMergeErrors(t *testing.T) {
	good := traceReq(t, rs(res("a"), "", ss("l", spans("x", 1, 0)...)))
	tests := []struct {
		name string
		reqs [][]byte
		want string
	}{
		{"truncated", [][]byte{good, good[:len(good)-1]}, "merge traces request 1: field 1: length"},
		{"truncated inside", [][]byte{lenF(1, good[2:len(good)-1])}, "merge traces request 0: resource_spans[0]: field 2: length"},
		{"wrong wire type", [][]byte{varF(1, 3)}, "merge traces request 0: field resource_spans (1): wire type varint"},
		{"scope wire type", [][]byte{lenF(1, lenF(2, varF(1, 1)))}, "merge traces request 0: resource_spans[0].scope_spans[0]: field scope (1): wire type varint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Merge(Traces, tt.reqs, 0)
			var fe *FormatError
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || !errors.As(err, &fe) {
				t.Fatalf("error %v, want a FormatError starting %q", err, tt.want)
			}
		})
	}
	bad := lenF(1, lenF(2, lenF(2, lenF(5, varF(1, 1)))))
	if _, err := Merge(Metrics, [][]byte{bad}, 0); err == nil || !strings.Contains(err.Error(), "metrics[0].gauge") {
		t.Errorf("metrics error %v, want the path to the gauge", err)
	}
	if _, err := Split(Traces, good[:len(good)-1], 0); err == nil {
		t.Error("Split accepts a truncated request")
	}
}

func TestMergeAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	g := newGen(5)
	g.unknown = false
	reqs := make([][]byte, 50)
	for i := range reqs {
		reqs[i] = g.request(Traces)
	}
	_, _ = Merge(Traces, reqs, 0) // warm the pool
	n := testing.AllocsPerRun(50, func() { _, _ = Merge(Traces, reqs, 2000) })
	t.Logf("Merge of %d requests into 2000-byte batches: %v allocs", len(reqs), n)
	if n > 8 {
		t.Errorf("Merge allocates %v times", n)
	}
	b := reqs[0]
	if n := testing.AllocsPerRun(50, func() { _, _ = Split(Traces, b, 0) }); n > 1 {
		t.Errorf("Split of a request that fits allocates %v times", n)
	}
}
