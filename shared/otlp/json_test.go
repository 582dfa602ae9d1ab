package otlp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
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
