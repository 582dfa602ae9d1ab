package otlp

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	common "go.opentelemetry.io/proto/slim/otlp/common/v1"
	trace "go.opentelemetry.io/proto/slim/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// Hand-made wire bytes.
func lenF(num protowire.Number, parts ...[]byte) []byte {
	content := bytes.Join(parts, nil)
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), content)
}

func strF(num protowire.Number, s string) []byte { return lenF(num, []byte(s)) }

func varF(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

func fix64F(num protowire.Number, v uint64) []byte {
	return protowire.AppendFixed64(protowire.AppendTag(nil, num, protowire.Fixed64Type), v)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func mustMarshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nestedValue returns an AnyValue whose arrays nest depth AnyValues deep.
func nestedValue(depth int) []byte {
	v := strF(1, "leaf")
	for i := 1; i < depth; i++ {
		v = lenF(5, lenF(1, v)) // array_value { values { v } }
	}
	return v
}

// spanWithAttr is a traces request holding one span with the attribute
// key=value (value: AnyValue bytes).
func spanWithAttr(key string, value []byte) []byte {
	span := cat(strF(5, "op"), lenF(9, strF(1, key), lenF(2, value)))
	return lenF(1, lenF(2, lenF(2, span)))
}

func TestScan(t *testing.T) {
	// The example of the brief: an invalid key deep down.
	req := &coltrace.ExportTraceServiceRequest{}
	for r := range 3 {
		rs := &trace.ResourceSpans{ScopeSpans: []*trace.ScopeSpans{{}}}
		for s := range 6 {
			rs.ScopeSpans[0].Spans = append(rs.ScopeSpans[0].Spans, &trace.Span{Name: "s", Attributes: []*common.KeyValue{str("a", "1"), str(map[bool]string{true: "BADKEY", false: "key"}[r == 2 && s == 5], "2")}})
		}
		req.ResourceSpans = append(req.ResourceSpans, rs)
	}
	badUTF8 := bytes.Replace(mustMarshal(t, req), []byte("BADKEY"), []byte("BAD\xffEY"), 1)

	unpackedHistogram := lenF(1, lenF(2, lenF(2, cat(strF(1, "h"), lenF(9, lenF(1,
		lenF(1, fix64F(6, 1), fix64F(6, 2), lenF(7, protowire.AppendFixed64(nil, 1)))))))))

	tests := []struct {
		name   string
		sig    Signal
		b      []byte
		want   Stats
		errSub string // "" for success
		path   string
	}{
		{name: "empty request", sig: Traces, b: nil},
		{name: "brief example", sig: Traces, b: badUTF8, errSub: "invalid UTF-8 in string field key",
			path: "resource_spans[2].scope_spans[0].spans[5].attributes[1]"},
		{name: "three resources", sig: Traces, b: mustMarshal(t, req), want: Stats{3, 3, 18}},
		{name: "wrong wire type", sig: Traces, b: lenF(1, varF(2, 1)), errSub: "field scope_spans (2): wire type varint, want length-delimited", path: "resource_spans[0]"},
		{name: "wrong wire type of a scalar", sig: Traces, b: lenF(1, lenF(2, lenF(2, strF(7, "x")))), errSub: "field start_time_unix_nano (7): wire type length-delimited, want fixed64"},
		{name: "length overruns", sig: Logs, b: []byte{0x0a, 0x05, 0x12, 0x10, 0, 0, 0}, errSub: "length 16 overruns the 3 bytes left", path: "resource_logs[0]"},
		{name: "truncated tag", sig: Logs, b: []byte{0x80}, errSub: "field tag"},
		{name: "field number zero", sig: Metrics, b: []byte{0x02, 0x00}, errSub: "invalid field number 0"},
		{name: "truncated fixed64", sig: Traces, b: lenF(1, lenF(2, lenF(2, []byte{7<<3 | 1, 1, 2}))), errSub: "truncated fixed64"},
		{name: "unknown fields", sig: Traces, b: cat(varF(100, 5), lenF(1, strF(99, "\xff"), []byte{15<<3 | 3, 8, 1, 15<<3 | 4})), want: Stats{1, 0, 0}},
		{name: "stray end group", sig: Traces, b: []byte{15<<3 | 4}, errSub: "end-group"},
		{name: "unterminated group", sig: Traces, b: []byte{15<<3 | 3, 8, 1}, errSub: "unknown field 15"},
		{name: "reserved wire type", sig: Traces, b: []byte{15<<3 | 6}, errSub: "unknown field 15"},
		{name: "nesting 64", sig: Traces, b: spanWithAttr("k", nestedValue(64)), want: Stats{1, 1, 1}},
		{name: "short trace id", sig: Traces, b: lenF(1, lenF(2, lenF(2, strF(1, "abc")))), errSub: "field trace_id: 3 bytes, want 16 (or none)"},
		{name: "long span id", sig: Traces, b: lenF(1, lenF(2, lenF(2, strF(2, "0123456789")))), errSub: "field span_id: 10 bytes, want 8 (or none)"},
		{name: "nesting 65", sig: Traces, b: spanWithAttr("k", nestedValue(65)), errSub: "attribute values nested deeper than 64 levels"},
		{name: "packed and unpacked", sig: Metrics, b: unpackedHistogram, want: Stats{1, 1, 1}},
		{name: "packed varints truncated", sig: Metrics, b: lenF(1, lenF(2, lenF(2, lenF(10, lenF(1, lenF(8, lenF(2, []byte{0x80}))))))),
			errSub: "packed field bucket_counts", path: "resource_metrics[0].scope_metrics[0].metrics[0].exponential_histogram.data_points[0].positive"},
		{name: "packed fixed64 odd size", sig: Metrics, b: lenF(1, lenF(2, lenF(2, lenF(9, lenF(1, lenF(6, []byte{1, 2, 3})))))),
			errSub: "3 bytes is not a multiple of 8"},
		{name: "invalid UTF-8 in unknown field", sig: Logs, b: lenF(1, lenF(2, lenF(2, strF(99, "\xff")))), want: Stats{1, 1, 1}},
		{name: "invalid UTF-8 in repeated string", sig: Logs, b: lenF(1, lenF(1, lenF(3, strF(3, "\xc3")))), errSub: "invalid UTF-8 in string field id_keys",
			path: "resource_logs[0].resource.entity_refs[0]"},
		// Only the last member of Metric.data survives decoding.
		{name: "metric data oneof", sig: Metrics, b: lenF(1, lenF(2, lenF(2,
			lenF(5, lenF(1), lenF(1)), lenF(7, lenF(1)), lenF(5, lenF(1)), lenF(5, lenF(1), lenF(1), lenF(1))))), want: Stats{1, 1, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Scan(tt.sig, tt.b)
			_, perr := unmarshal(tt.sig, tt.b)
			if tt.errSub == "" {
				if err != nil {
					t.Fatalf("Scan: %v", err)
				}
				if st != tt.want {
					t.Errorf("Stats = %+v, want %+v", st, tt.want)
				}
				if perr != nil {
					t.Errorf("proto.Unmarshal rejects it: %v", perr)
				}
				return
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Scan error = %v, want a *FormatError", err)
			}
			if !strings.Contains(fe.Reason, tt.errSub) {
				t.Errorf("reason %q does not contain %q", fe.Reason, tt.errSub)
			}
			if tt.path != "" && fe.Path != tt.path {
				t.Errorf("path %q, want %q", fe.Path, tt.path)
			}
			if fe.Offset < 0 || fe.Offset >= len(tt.b) {
				t.Errorf("offset %d outside the %d-byte request", fe.Offset, len(tt.b))
			}
		})
	}
	t.Run("brief example text and offset", func(t *testing.T) {
		_, err := Scan(Traces, badUTF8)
		want := "resource_spans[2].scope_spans[0].spans[5].attributes[1]: invalid UTF-8 in string field key"
		if err == nil || err.Error() != want {
			t.Fatalf("error %q, want %q", err, want)
		}
		var fe *FormatError
		errors.As(err, &fe)
		if !bytes.HasPrefix(badUTF8[fe.Offset:], []byte("\x0a\x06BAD\xff")) {
			t.Errorf("offset %d points at %q, not at the key", fe.Offset, badUTF8[fe.Offset:fe.Offset+8])
		}
	})
	t.Run("unknown signal", func(t *testing.T) {
		if _, err := Scan(0, nil); err == nil {
			t.Fatal("no error")
		}
	})
}

// TestScanCounts checks Stats against the decoded requests.
func TestScanCounts(t *testing.T) {
	for _, sig := range Signals {
		g := newGen(uint64(sig))
		for range 200 {
			b := g.request(sig)
			st, err := Scan(sig, b)
			if err != nil {
				t.Fatalf("%s: %v", sig, err)
			}
			tel := decodeAll(t, sig, b)
			if st.Resources != tel.resources || st.Scopes != tel.scopes || st.Items != tel.items {
				t.Fatalf("%s: Stats %+v, decoded %d resources, %d scopes, %d items", sig, st, tel.resources, tel.scopes, tel.items)
			}
		}
	}
}

// TestScanAgreesWithProto mutates valid requests: wherever proto.Unmarshal
// fails, Scan must fail too; where Scan alone fails it must be for one of
// its three documented extra rules (wire types, nesting, id sizes); where
// both succeed the counts agree.
func TestScanAgreesWithProto(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	for _, sig := range Signals {
		g := newGen(100 + uint64(sig))
		var protoErrs, scanOnly int
		for i := range n {
			b := mutate(g, g.request(sig), 1+i%3)
			st, serr := Scan(sig, b)
			m, perr := unmarshal(sig, b)
			switch {
			case perr != nil && serr == nil:
				t.Fatalf("%s: proto.Unmarshal fails (%v) but Scan accepts %x", sig, perr, b)
			case perr != nil:
				protoErrs++
			case serr != nil:
				scanOnly++
				if e := serr.Error(); !strings.Contains(e, "wire type") && !strings.Contains(e, "nested deeper") && !strings.Contains(e, "(or none)") {
					t.Fatalf("%s: Scan fails (%v) where proto.Unmarshal does not, for no documented reason: %x", sig, serr, b)
				}
			default:
				tel := &telemetry{seqs: map[string][]string{}}
				tel.add(t, layouts[sig], m.ProtoReflect())
				if st.Resources != tel.resources || st.Scopes != tel.scopes || st.Items != tel.items {
					t.Fatalf("%s: Stats %+v, decoded %d/%d/%d: %x", sig, st, tel.resources, tel.scopes, tel.items, b)
				}
			}
		}
		t.Logf("%s: %d mutants, %d rejected by proto.Unmarshal, %d by Scan alone", sig, n, protoErrs, scanOnly)
		if protoErrs == 0 {
			t.Errorf("%s: no mutant was invalid: the mutations test nothing", sig)
		}
	}
}

// mutate applies k random damages to a copy of b.
func mutate(g *gen, b []byte, k int) []byte {
	b = bytes.Clone(b)
	for range k {
		if len(b) == 0 {
			return b
		}
		i := g.r.IntN(len(b))
		switch g.r.IntN(6) {
		case 0, 1:
			b[i] ^= 1 << g.r.IntN(8)
		case 2:
			b = b[:i]
		case 3:
			b[i] = byte(g.r.Uint32())
		case 4:
			b = append(b[:i], b[i+1:]...)
		case 5:
			b = append(b[:i:i], append([]byte{byte(g.r.Uint32())}, b[i:]...)...)
		}
	}
	return b
}

func TestScanDoesNotAllocate(t *testing.T) {
	b := newGen(7).request(Metrics)
	if n := testing.AllocsPerRun(100, func() { _, _ = Scan(Metrics, b) }); n != 0 {
		t.Errorf("Scan allocates %v times", n)
	}
}

func TestSchema(t *testing.T) {
	for _, sig := range Signals {
		l := layouts[sig]
		if l.resourceX != 1 || l.resource != 1 || l.scopeX != 2 || l.item != 2 {
			t.Errorf("%s: layout %d %d %d %d", sig, l.resourceX, l.resource, l.scopeX, l.item)
		}
	}
	metric := layouts[Metrics].itemMsg
	for num, f := range metric.fields {
		if want := num == 5 || num == 7 || num == 9 || num == 10 || num == 11; f.count != want {
			t.Errorf("Metric field %d (%s): count %v", num, f.name, f.count)
		}
	}
	if (attrNums != attrFields{1, 1, 2, 1, 5, 1, 2, 3, 4}) {
		t.Errorf("attribute field numbers %+v", attrNums)
	}
}
