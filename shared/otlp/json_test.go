package otlp

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

func readExpected(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "envelope", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestJSONRoundTrip encodes real requests (from the JS SDK) as OTLP/JSON
// and reads them back: same request, hex ids on the wire.
func TestJSONRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		sig  Signal
		file string
	}{
		{Traces, "v0.17.3-gzip6.expected.pb"},
		{Metrics, "metrics-protobuf-gzip.expected.pb"},
		{Logs, "logs-protobuf-gzip.expected.pb"},
	} {
		t.Run(tt.sig.String(), func(t *testing.T) {
			pb := readExpected(t, tt.file)
			js, err := MarshalJSON(tt.sig, pb)
			if err != nil {
				t.Fatal(err)
			}
			if tt.sig == Traces {
				var probe struct {
					ResourceSpans []struct {
						ScopeSpans []struct {
							Spans []struct {
								TraceID string `json:"traceId"`
								SpanID  string `json:"spanId"`
							} `json:"spans"`
						} `json:"scopeSpans"`
					} `json:"resourceSpans"`
				}
				if err := json.Unmarshal(js, &probe); err != nil {
					t.Fatal(err)
				}
				sp := probe.ResourceSpans[0].ScopeSpans[0].Spans[0]
				if len(sp.TraceID) != 32 || len(sp.SpanID) != 16 || strings.Trim(sp.TraceID, "0123456789abcdef") != "" {
					t.Fatalf("ids %q %q are not hex", sp.TraceID, sp.SpanID)
				}
			}
			back, err := UnmarshalJSON(tt.sig, js)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := Decode(tt.sig, pb)
			b, _ := Decode(tt.sig, back)
			if !proto.Equal(a, b) {
				t.Fatal("round trip changed the request")
			}
		})
	}
}

func TestUnmarshalJSONShapes(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"hex ids", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"a","kind":2}]}]}]}`, ""},
		{"base64 ids kept", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"AQIDBAUGBwgJCgsMDQ4PEA==","spanId":"AQIDBAUGBwg=","name":"a"}]}]}]}`, ""},
		{"enum names", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a","kind":"SPAN_KIND_SERVER","status":{"code":"STATUS_CODE_ERROR"}}]}]}]}`, ""},
		{"snake case", `{"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"0102030405060708090a0b0c0d0e0f10","name":"a","start_time_unix_nano":"5"}]}]}]}`, ""},
		{"long bits", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a","startTimeUnixNano":{"low":1,"high":1}}]}]}]}`, ""},
		{"unknown fields ignored", `{"resourceSpans":[{"resource":{"schemaUrl":"x"},"scopeSpans":[]}],"extra":1}`, ""},
		{"bad id", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}`, "traceId"},
		{"not an object", `[1,2]`, "want a JSON object"},
		{"trailing", `{} {}`, "trailing data"},
		{"stray brace", `{}}`, "trailing data"},
		{"not json", "\x0a\x02", "otlp/json"},
		{"too deep", `{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":` + strings.Repeat(`{"arrayValue":{"values":[`, 80) + strings.Repeat(`]}}`, 80) + `}]}}]}`, "nested deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := UnmarshalJSON(Traces, []byte(tt.in))
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error = %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Decode(Traces, b); err != nil {
				t.Fatal(err)
			}
		})
	}
	// The {low,high} pair is 2^32+1.
	b, _ := UnmarshalJSON(Traces, []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a","startTimeUnixNano":{"low":1,"high":1}}]}]}]}`))
	js, _ := MarshalJSON(Traces, b)
	if !strings.Contains(string(js), `"4294967297"`) {
		t.Fatalf("long bits decoded wrong: %s", js)
	}
}

// TestUnmarshalJSONLongBitsSign: the old JavaScript {low,high} shape is
// read as the field's type says: {"low":-1,"high":-1} is -1 in a signed
// field (int64 intValue, sfixed64 asInt), 2^64-1 in an unsigned one.
func TestUnmarshalJSONLongBitsSign(t *testing.T) {
	const minusOne = `{"low":-1,"high":-1}`
	tests := []struct {
		name string
		sig  Signal
		in   string
		want []string // substrings of the request re-encoded as OTLP/JSON
	}{
		{"int64 intValue", Traces, `{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"intValue":` + minusOne + `}}]}}]}`, []string{`"intValue":"-1"`}},
		{"int64 with the unsigned flag", Traces, `{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"intValue":{"low":-1,"high":-1,"unsigned":true}}}]}}]}`, []string{`"intValue":"-1"`}},
		{"int64 snake case", Traces, `{"resource_spans":[{"resource":{"attributes":[{"key":"k","value":{"int_value":` + minusOne + `}}]}}]}`, []string{`"intValue":"-1"`}},
		{"int64 min", Traces, `{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"intValue":{"low":0,"high":-2147483648}}}]}}]}`, []string{`"intValue":"-9223372036854775808"`}},
		{"sfixed64 asInt", Metrics, `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"asInt":` + minusOne + `}]}}]}]}]}`, []string{`"asInt":"-1"`}},
		{"fixed64 time", Traces, `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a","startTimeUnixNano":` + minusOne + `}]}]}]}`, []string{`"startTimeUnixNano":"18446744073709551615"`}},
		{"fixed64 array", Metrics, `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"h","histogram":{"dataPoints":[{"count":` + minusOne + `,"bucketCounts":[` + minusOne + `,{"low":2,"high":0}]}]}}]}]}]}`, []string{`"count":"18446744073709551615"`, `"bucketCounts":["18446744073709551615","2"]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := UnmarshalJSON(tt.sig, []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			js, err := MarshalJSON(tt.sig, b)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(js), w) {
					t.Fatalf("%s: want %s", js, w)
				}
			}
		})
	}
}

// TestLongFieldsDisjoint: longBits is told the sign by the field's key
// alone, so no key may name a signed field in one message and an
// unsigned one in another.
func TestLongFieldsDisjoint(t *testing.T) {
	signed := longFields(protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind)
	for _, k := range []string{"intValue", "int_value", "asInt", "as_int"} {
		if !signed[k] || unsignedLongs()[k] {
			t.Errorf("%s: want signed", k)
		}
	}
	for _, k := range []string{"timeUnixNano", "start_time_unix_nano", "count", "bucketCounts"} {
		if !unsignedLongs()[k] {
			t.Errorf("%s: want unsigned", k)
		}
	}
	for k := range signed {
		if unsignedLongs()[k] {
			t.Errorf("%s names both a signed and an unsigned 64-bit field", k)
		}
	}
}

func TestUnmarshalJSONNotJSON(t *testing.T) {
	for _, in := range []string{"", "\x0a\x02", `{"resourceSpans":[`, `{"a":1,}`, `{}}`, `{} x`} {
		if _, err := UnmarshalJSON(Traces, []byte(in)); !errors.Is(err, ErrNotJSON) {
			t.Errorf("UnmarshalJSON(%q) error = %v, want ErrNotJSON", in, err)
		}
	}
	// Valid JSON of the wrong shape is another error.
	for _, in := range []string{`[1,2]`, `{"resourceSpans":1}`, `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}`} {
		if _, err := UnmarshalJSON(Traces, []byte(in)); err == nil || errors.Is(err, ErrNotJSON) {
			t.Errorf("UnmarshalJSON(%q) error = %v, want one that is not ErrNotJSON", in, err)
		}
	}
}

func FuzzUnmarshalJSON(f *testing.F) {
	for _, name := range []string{"v0.17.3-gzip6.expected.pb", "metrics-protobuf-gzip.expected.pb", "logs-protobuf-gzip.expected.pb"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "envelope", name))
		if err != nil {
			f.Fatal(err)
		}
		sig := Traces
		if strings.HasPrefix(name, "metrics") {
			sig = Metrics
		} else if strings.HasPrefix(name, "logs") {
			sig = Logs
		}
		js, err := MarshalJSON(sig, b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(sig), js)
	}
	f.Add(uint8(Traces), []byte(`{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"intValue":{"low":-1,"high":-1}}}]}}]}`))
	f.Add(uint8(Traces), []byte(`{}}`))
	f.Fuzz(func(t *testing.T, s uint8, data []byte) {
		sig := Signal(s%3 + 1)
		pb, err := UnmarshalJSON(sig, data)
		if err != nil {
			return
		}
		// What decodes must be a valid request that Scan accepts too.
		if _, err := Scan(sig, pb); err != nil {
			t.Fatalf("UnmarshalJSON produced a request Scan rejects: %v", err)
		}
	})
}
