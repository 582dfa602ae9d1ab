package otlpstdout

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// TestDecodeFixtures decodes every envelope the reference exporter (and
// the older client shapes) wrote and compares the request with the
// protobuf the JS SDK serialized from the same data.
func TestDecodeFixtures(t *testing.T) {
	m := fixture.Load(t)
	names := m.Names("envelope/")
	if len(names) < 20 {
		t.Fatalf("only %d envelope fixtures in the manifest", len(names))
	}
	for _, name := range names {
		f := m.Files[name]
		t.Run(name, func(t *testing.T) {
			lines := splitLines(fixture.Read(t, name))
			if len(lines) != f.Lines || len(f.Details) != f.Lines {
				t.Fatalf("%d lines, manifest says %d (%d details)", len(lines), f.Lines, len(f.Details))
			}
			for i, line := range lines {
				d := f.Details[i]
				msg, err := Decode(line, Options{})
				if err != nil {
					t.Fatalf("line %d: %v", i+1, err)
				}
				if d.Source == "" && len(d.Services) == 1 {
					d.Source = d.Services[0] // wrapped lines: the manifest lists the service
				}
				if msg.Signal.String() != d.Signal || msg.Source != d.Source {
					t.Fatalf("line %d: signal %s source %q, want %s %q", i+1, msg.Signal, msg.Source, d.Signal, d.Source)
				}
				want, err := otlp.Decode(msg.Signal, fixture.Read(t, d.Expected))
				if err != nil {
					t.Fatal(err)
				}
				got, err := otlp.Decode(msg.Signal, msg.Proto)
				if err != nil {
					t.Fatalf("line %d: decoded payload is not a valid request: %v", i+1, err)
				}
				if !proto.Equal(got, want) {
					t.Fatalf("line %d: request differs from %s", i+1, d.Expected)
				}
				st, err := otlp.Scan(msg.Signal, msg.Proto)
				if err != nil || st.Items != d.Items() {
					t.Fatalf("line %d: Scan = %+v, %v; want %d items", i+1, st, err, d.Items())
				}
				if strings.Contains(d.Shape, "gzip") && strings.Contains(d.Shape, "protobuf") && msg.Gzip == nil {
					t.Fatalf("line %d: gzip protobuf payload not kept for pass-through", i+1)
				}
				if msg.Gzip != nil {
					raw, err := compress.Gunzip(nil, msg.Gzip, 0)
					if err != nil || !bytes.Equal(raw, msg.Proto) {
						t.Fatalf("line %d: Gzip does not inflate to Proto (%v)", i+1, err)
					}
				}
			}
		})
	}
}

func TestDecodeHeadersAndLevel(t *testing.T) {
	line := splitLines(fixture.Read(t, "envelope/v0.17.3-headers-level.jsonl"))[0]
	msg, err := Decode(line, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Headers) == 0 || msg.Level == "" || msg.Version != "0.17.3" {
		t.Fatalf("headers %v level %q version %q: want headers, a level and 0.17.3", msg.Headers, msg.Level, msg.Version)
	}
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
			out = append(out, append([]byte(nil), l...))
		}
	}
	return out
}

// envelope builds a current-shape line around a protobuf request.
func envelope(t *testing.T, fields string) []byte {
	t.Helper()
	return []byte(`{"__otel_otlp_stdout":"0.17.3","source":"svc","method":"POST",` + fields + `}`)
}

func TestDecodeErrors(t *testing.T) {
	pb := fixture.Read(t, "envelope/v0.17.3-gzip6.expected.pb")
	gz := base64.StdEncoding.EncodeToString(compress.Gzip(nil, pb, 6))
	raw := base64.StdEncoding.EncodeToString(pb)
	js, err := otlp.MarshalJSON(otlp.Traces, pb)
	if err != nil {
		t.Fatal(err)
	}
	jsString, err := json.Marshal(string(js))
	if err != nil {
		t.Fatal(err)
	}
	want, err := otlp.Decode(otlp.Traces, pb)
	if err != nil {
		t.Fatal(err)
	}
	spans, err := otlp.Scan(otlp.Traces, pb)
	if err != nil || spans.Items == 0 {
		t.Fatalf("fixture: Scan = %+v, %v", spans, err)
	}
	tests := []struct {
		name string
		line string
		want string // substring of the error; "" = success
	}{
		{"ok", `"endpoint":"http://localhost:4318/v1/traces","content-type":"application/x-protobuf","content-encoding":"gzip","payload":"` + gz + `","base64":true`, ""},
		// Unpadded base64 (some writers) once overran the decode buffer.
		{"ok unpadded", `"endpoint":"http://x/v1/traces","content-type":"application/x-protobuf","payload":"` + base64.RawStdEncoding.EncodeToString(pb) + `","base64":true`, ""},
		{"ok no gzip", `"endpoint":"http://x/v1/traces","content-type":"application/x-protobuf","payload":"` + raw + `","base64":true`, ""},
		{"bad base64", `"endpoint":"http://x/v1/traces","content-type":"application/x-protobuf","content-encoding":"gzip","payload":"!!!` + gz[3:] + `","base64":true`, "invalid base64"},
		{"gzip claimed not gzip", `"endpoint":"http://x/v1/traces","content-type":"application/x-protobuf","content-encoding":"gzip","payload":"` + raw + `","base64":true`, "content-encoding is gzip but the payload is not gzip"},
		{"gzip unclaimed", `"endpoint":"http://x/v1/traces","content-type":"application/x-protobuf","payload":"` + gz + `","base64":true`, "payload is gzip but content-encoding does not say so"},
		{"json claimed protobuf carried", `"endpoint":"http://x/v1/traces","content-type":"application/json","payload":"` + raw + `","base64":true`, "content-type is application/json but the payload is not JSON"},
		// A JSON object is OTLP/JSON whatever the labels say.
		{"protobuf claimed json carried", `"endpoint":"http://x/v1/traces","content-type":"application/x-protobuf","payload":` + string(js), ""},
		{"gzip claimed json carried", `"endpoint":"http://x/v1/traces","content-type":"application/json","content-encoding":"gzip","headers":{"content-type":"application/json","content-encoding":"gzip"},"payload":` + string(js), ""},
		{"gzip protobuf claimed json carried", `"endpoint":"http://x/v1/traces","content-type":"application/x-protobuf","content-encoding":"gzip","payload":` + string(js), ""},
		{"protobuf claimed json string carried", `"endpoint":"http://x/v1/traces","content-type":"application/x-protobuf","content-encoding":"gzip","payload":` + string(jsString), ""},
		{"json object base64", `"endpoint":"http://x/v1/traces","content-type":"application/json","payload":` + string(js) + `,"base64":true`, "base64 is true but the payload is a JSON object"},
		{"json object damaged", `"endpoint":"http://x/v1/traces","content-type":"application/x-protobuf","payload":{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}`, "traceId"},
		{"unknown signal", `"endpoint":"http://x/v2/spans","content-type":"application/x-protobuf","payload":"` + raw + `","base64":true`, "names no OTLP signal"},
		{"missing payload", `"endpoint":"http://x/v1/traces","content-type":"application/x-protobuf"`, "payload is missing"},
		{"bad content type", `"endpoint":"http://x/v1/traces","content-type":"text/plain","payload":"` + raw + `","base64":true`, "want application/x-protobuf or application/json"},
		{"bad encoding", `"endpoint":"http://x/v1/traces","content-type":"application/x-protobuf","content-encoding":"br","payload":"` + raw + `","base64":true`, "want gzip or none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := Decode(envelope(t, tt.line), Options{})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			case tt.want != "":
				return
			}
			// Every good line carries the fixture's request, in whatever shape.
			got, err := otlp.Decode(msg.Signal, msg.Proto)
			if err != nil {
				t.Fatalf("decoded payload is not a valid request: %v", err)
			}
			if !proto.Equal(got, want) {
				t.Fatal("request differs from the fixture")
			}
			st, err := otlp.Scan(msg.Signal, msg.Proto)
			if err != nil || st.Items != spans.Items {
				t.Fatalf("Scan = %+v, %v; want %d spans", st, err, spans.Items)
			}
		})
	}
}

func TestDecodeListsEveryProblem(t *testing.T) {
	_, err := Decode([]byte(`{"__otel_otlp_stdout":"0.17.3","method":"GET"}`), Options{})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"source is missing", "only POST", "endpoint", "content-type is missing", "payload is missing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// mentionsKey are ordinary log lines that mention the envelope's key
// without having it as a key: they are not envelopes, not damaged ones.
var mentionsKey = []string{
	`{"level":30,"msg":"wrote __otel_otlp_stdout line"}`,
	"2024-01-01T00:00:00Z\tabc\tINFO\tGot {\"x\":1} and __otel_otlp_stdout",
	`{"level":"INFO","message":"payload __otel_otlp_stdout {not json"}`,
	`{"level":"INFO","message":{"level":30,"msg":"__otel_otlp_stdout"}}`,
	`{"level":30,"message":"{\"msg\":\"__otel_otlp_stdout\",\"source\":1}"}`,
	`{"source":["__otel_otlp_stdout"]}`,
	`{"a":{"__otel_otlp_stdout":1}}`,
	`{"msg":"__otel_otlp_stdout", broken`,
	`__otel_otlp_stdout {`,
}

func TestDecodeNotEnvelope(t *testing.T) {
	for _, line := range append([]string{
		"START RequestId: 8f5 Version: $LATEST",
		`{"level":"INFO","message":"hello"}`,
		`{"level":"INFO","message":"the key __otel_otlp_stdout appears only in text"}`,
		`{"note":"__otel_otlp_stdout"}`,
		"",
	}, mentionsKey...) {
		// The processor compares with ==: the error is the sentinel itself.
		if _, err := Decode([]byte(line), Options{}); err != ErrNotEnvelope {
			t.Errorf("Decode(%q) error = %v, want ErrNotEnvelope", line, err)
		}
	}
}

// TestDecodeDamagedKeyed: once the envelope's key is a key of the line's
// object (or of the object in Lambda's "message"), anything wrong with
// the rest is a damaged envelope, not an ordinary line.
func TestDecodeDamagedKeyed(t *testing.T) {
	good := string(splitLines(fixture.Read(t, "envelope/v0.17.3-gzip6.jsonl"))[0])
	quoted, err := json.Marshal(`{"__otel_otlp_stdout":"0.17.3","source":1}`)
	if err != nil {
		t.Fatal(err)
	}
	for name, line := range map[string]string{
		"wrong type":             `{"level":30,"__otel_otlp_stdout":"0.17.3","source":"svc"}`,
		"version not a string":   `{"__otel_otlp_stdout":1}`,
		"truncated":              good[:len(good)/2],
		"trailing data":          good + ` x`,
		"wrong type in message":  `{"level":"INFO","message":{"__otel_otlp_stdout":"0.17.3","level":30}}`,
		"wrong type in a string": `{"level":"INFO","message":` + string(quoted) + `}`,
		"text prefix, truncated": "2026-11-24T10:15:30.000Z\t8f5e\tINFO\t" + good[:100],
	} {
		_, err := Decode([]byte(line), Options{})
		if err == nil || errors.Is(err, ErrNotEnvelope) {
			t.Errorf("%s: error = %v, want a damaged envelope", name, err)
		}
	}
}

func TestDecodeTextPrefixAndWrappers(t *testing.T) {
	line := splitLines(fixture.Read(t, "envelope/v0.17.3-gzip6.jsonl"))[0]
	for name, in := range map[string][]byte{
		"text log format":           append([]byte("2026-11-24T10:15:30.000Z\t8f5e\tINFO\t"), line...),
		"trailing newline":          append(append([]byte{}, line...), '\n'),
		"wrapper of another logger": append(append([]byte(`{"level":30,"time":1,"message":`), line...), '}'),
	} {
		msg, err := Decode(in, Options{})
		if err != nil || msg.Signal != otlp.Traces {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestDecodeGzipBomb(t *testing.T) {
	bomb := base64.StdEncoding.EncodeToString(compress.Gzip(nil, make([]byte, 8<<20), 9))
	line := envelope(t, `"endpoint":"http://x/v1/traces","content-type":"application/x-protobuf","content-encoding":"gzip","payload":"`+bomb+`","base64":true`)
	_, err := Decode(line, Options{MaxInflated: 1 << 20})
	if !errors.Is(err, compress.ErrTooLarge) {
		t.Fatalf("error = %v, want ErrTooLarge", err)
	}
}

// OTLP/JSON gets a tighter limit than protobuf, checked before inflating
// it whole: as gzip (labelled JSON) and as an object in the line.
func TestDecodeJSONLimit(t *testing.T) {
	doc := func(pad int) string {
		return `{"resourceSpans":[{"resource":{"attributes":[{"key":"pad","value":{"stringValue":"` + strings.Repeat("x", pad) + `"}}]}}]}`
	}
	gz := func(s string) string { return base64.StdEncoding.EncodeToString(compress.Gzip(nil, []byte(s), 6)) }
	const limit = 64 << 10
	for name, tc := range map[string]struct {
		fields string
		ok     bool
	}{
		"gzip under":    {`"content-type":"application/json","content-encoding":"gzip","base64":true,"payload":"` + gz(doc(limit/2)) + `"`, true},
		"gzip over":     {`"content-type":"application/json","content-encoding":"gzip","base64":true,"payload":"` + gz(doc(limit*4)) + `"`, false},
		"object under":  {`"content-type":"application/json","payload":` + doc(limit/2), true},
		"object over":   {`"content-type":"application/json","payload":` + doc(limit*2), false},
		"protobuf over": {`"content-type":"application/x-protobuf","content-encoding":"gzip","base64":true,"payload":"` + base64.StdEncoding.EncodeToString(compress.Gzip(nil, make([]byte, limit*2), 6)) + `"`, true},
	} {
		msg, err := Decode(envelope(t, `"endpoint":"http://x/v1/traces",`+tc.fields), Options{MaxJSON: limit})
		if tc.ok != (err == nil) {
			t.Errorf("%s: error %v", name, err)
		}
		if !tc.ok && !errors.Is(err, compress.ErrTooLarge) {
			t.Errorf("%s: error %v, want ErrTooLarge", name, err)
		}
		if tc.ok && len(msg.Proto) == 0 {
			t.Errorf("%s: no payload", name)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"envelope/v0.17.3-gzip6.jsonl", "envelope/old-json-object.jsonl", "envelope/lambda-json-message-string.jsonl", "envelope/metrics-json.jsonl"} {
		b, err := readFixture(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, line := range mentionsKey {
		f.Add([]byte(line))
	}
	const spans = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"a"}]}]}]}`
	for _, fields := range []string{
		`"content-type":"application/x-protobuf","payload":` + spans,
		`"content-type":"application/json","content-encoding":"gzip","payload":` + spans,
	} {
		f.Add([]byte(`{"__otel_otlp_stdout":"0.17.3","source":"svc","method":"POST","endpoint":"http://x/v1/traces",` + fields + `}`))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		msg, err := Decode(line, Options{MaxInflated: 1 << 20})
		if err != nil {
			return
		}
		if !msg.Signal.Valid() {
			t.Fatalf("decoded without a valid signal: %v", msg.Signal)
		}
	})
}
