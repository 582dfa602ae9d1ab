package otlpstdout

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// TestEncodeRoundTrip encodes requests of every signal at every level and
// decodes them back with Decode.
func TestEncodeRoundTrip(t *testing.T) {
	req := fixture.Read(t, "envelope/v0.17.3-gzip6.expected.pb")
	metas := []struct {
		name string
		meta Meta
		want Message // Version, Source, Level, Headers
	}{
		{"zero", Meta{}, Message{Version: FormatVersion, Source: DefaultSource}},
		{"all", Meta{
			Version: "otlpfwd-test@1", Source: "checkout-api", Level: "DEBUG",
			Headers: []Header{{"x-tenant", "acme"}, {"authorization", "Bearer a=b"}},
		}, Message{
			Version: "otlpfwd-test@1", Source: "checkout-api", Level: "DEBUG",
			Headers: map[string]string{"x-tenant": "acme", "authorization": "Bearer a=b"},
		}},
		{"escapes", Meta{
			Source: "svc \"q\" \\ \n\t\u0001 h\u00e9 \u2028 <&>", Level: "INFO",
			Headers: []Header{{"k\"ey", "v\\al\u0000"}},
		}, Message{
			Version: FormatVersion, Source: "svc \"q\" \\ \n\t\u0001 h\u00e9 \u2028 <&>", Level: "INFO",
			Headers: map[string]string{"k\"ey": "v\\al\u0000"},
		}},
	}
	for _, sig := range otlp.Signals {
		for level := MinGzipLevel; level <= MaxGzipLevel; level++ {
			for _, m := range metas {
				t.Run(fmt.Sprintf("%s/gzip%d/%s", sig, level, m.name), func(t *testing.T) {
					payload := req
					if sig != otlp.Traces {
						payload = nil // an empty request is valid for every signal
					}
					prefix := []byte("kept|")
					line, err := Encode(prefix, sig, payload, level, m.meta)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.HasPrefix(line, prefix) {
						t.Fatal("Encode did not append to dst")
					}
					line = line[len(prefix):]
					if bytes.IndexByte(line, '\n') != len(line)-1 {
						t.Fatalf("want one line ending in a newline, got %q", line)
					}
					msg, err := Decode(line, Options{})
					if err != nil {
						t.Fatal(err)
					}
					if msg.Signal != sig {
						t.Errorf("signal %v, want %v", msg.Signal, sig)
					}
					if msg.Version != m.want.Version || msg.Source != m.want.Source || msg.Level != m.want.Level {
						t.Errorf("version %q source %q level %q, want %q %q %q",
							msg.Version, msg.Source, msg.Level, m.want.Version, m.want.Source, m.want.Level)
					}
					if !maps.Equal(msg.Headers, m.want.Headers) {
						t.Errorf("headers %v, want %v", msg.Headers, m.want.Headers)
					}
					if !bytes.Equal(msg.Proto, payload) {
						t.Errorf("payload: %d bytes back, %d in", len(msg.Proto), len(payload))
					}
					if msg.Gzip == nil || msg.Gzip[8] != wantXFL(level) || msg.Gzip[9] != 3 {
						t.Errorf("gzip header % x, want XFL %d OS 3", msg.Gzip[:10], wantXFL(level))
					}
					var keys map[string]json.RawMessage
					if err := json.Unmarshal(line, &keys); err != nil {
						t.Fatalf("not JSON: %v", err)
					}
					if _, ok := keys["headers"]; ok != (len(m.meta.Headers) > 0) {
						t.Errorf("headers key present = %v with %d headers", ok, len(m.meta.Headers))
					}
				})
			}
		}
	}
}

func wantXFL(level int) byte {
	switch {
	case level == 9:
		return 2
	case level < 2:
		return 4
	}
	return 0
}

// referenceLevels is the gzip level the generator set for each 0.17.3
// fixture line (see shared/testdata/gen/generate.js).
var referenceLevels = map[string][]int{
	"envelope/v0.17.3-headers-level.jsonl": {6},
	"envelope/v0.17.3-multi-service.jsonl": {6, 9, 6},
}

func init() {
	for l := 0; l <= 9; l++ {
		referenceLevels[fmt.Sprintf("envelope/v0.17.3-gzip%d.jsonl", l)] = []int{l}
	}
}

// TestEncodeMatchesReference re-encodes the request inside every line the
// reference Node exporter wrote, with the same metadata and level, and
// requires the same line except for the deflate bytes: same keys in the
// same order, same values byte for byte, same gzip header, and a payload
// that inflates to the same request.
func TestEncodeMatchesReference(t *testing.T) {
	m := fixture.Load(t)
	seen := 0
	for _, name := range m.Names("envelope/v0.17.3-") {
		if !strings.HasSuffix(name, ".jsonl") {
			continue
		}
		levels, ok := referenceLevels[name]
		if !ok {
			t.Fatalf("%s: no gzip level known for this fixture: add it to referenceLevels", name)
		}
		for i, ref := range splitLines(fixture.Read(t, name)) {
			seen++
			t.Run(fmt.Sprintf("%s/line%d", name, i+1), func(t *testing.T) {
				refMsg, err := Decode(ref, Options{})
				if err != nil {
					t.Fatal(err)
				}
				fields := orderedFields(t, ref)
				meta := Meta{Version: refMsg.Version, Source: refMsg.Source, Level: refMsg.Level}
				if raw, ok := fields.get("headers"); ok {
					for _, h := range orderedFields(t, raw) {
						var v string
						if err := json.Unmarshal(h.value, &v); err != nil {
							t.Fatal(err)
						}
						meta.Headers = append(meta.Headers, Header{h.key, v})
					}
				}
				line, err := Encode(nil, refMsg.Signal, refMsg.Proto, levels[i], meta)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := string(withoutPayload(t, line)), string(withoutPayload(t, ref)); got != want {
					t.Fatalf("line differs from the reference outside the payload:\n got %s\nwant %s", got, want)
				}
				msg, err := Decode(line, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(msg.Gzip[:10], refMsg.Gzip[:10]) {
					t.Errorf("gzip header % x, reference % x", msg.Gzip[:10], refMsg.Gzip[:10])
				}
				if !bytes.Equal(msg.Proto, refMsg.Proto) {
					t.Error("payload does not inflate to the reference's request")
				}
			})
		}
	}
	if seen < 14 {
		t.Fatalf("compared %d reference lines, want at least 14", seen)
	}
}

type field struct {
	key   string
	value json.RawMessage
}

type fields []field

func (fs fields) get(k string) (json.RawMessage, bool) {
	for _, f := range fs {
		if f.key == k {
			return f.value, true
		}
	}
	return nil, false
}

// orderedFields returns the members of a JSON object in their order.
func orderedFields(t *testing.T, obj []byte) fields {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %v %v", tok, err)
	}
	var out fields
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, field{tok.(string), v})
	}
	return out
}

// withoutPayload blanks the payload's value, keeping everything else.
func withoutPayload(t *testing.T, line []byte) []byte {
	t.Helper()
	const key = `,"payload":"`
	i := bytes.Index(line, []byte(key))
	if i < 0 {
		t.Fatalf("no payload in %.80s", line)
	}
	j := bytes.IndexByte(line[i+len(key):], '"')
	out := append([]byte(nil), line[:i+len(key)]...)
	return append(out, bytes.TrimRight(line[i+len(key)+j:], "\n")...)
}

// TestEncodeEscapesLikeJSONStringify compares with what Node 20's
// JSON.stringify wrote for the same strings.
func TestEncodeEscapesLikeJSONStringify(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", `"plain"`},
		{"quote\"back\\slash", `"quote\"back\\slash"`},
		{"ctl\b\f\n\r\t\x00\x01\x1f\x7f", `"ctl\b\f\n\r\t\u0000\u0001\u001f` + "\x7f\""},
		{"html <a href='x'>&amp;</a>", `"html <a href='x'>&amp;</a>"`},
		{"line\u2028sep\u2029", "\"line\u2028sep\u2029\""},
		{"h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c \U0001F600", "\"h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c \U0001F600\""},
		{"/slash", `"/slash"`},
		{"\ufeffbom", "\"\ufeffbom\""},
		{"\ufffd", "\"\ufffd\""},
		// Not expressible in a JS string: invalid UTF-8 becomes U+FFFD, one per byte.
		{"a\xffb\xed\xa0\x80", "\"a\ufffdb\ufffd\ufffd\ufffd\""},
	} {
		if got := string(appendJSONString(nil, tc.in)); got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sig   otlp.Signal
		level int
		is    error
	}{
		{"no signal", 0, 6, nil},
		{"level -1", otlp.Traces, -1, ErrGzipLevel},
		{"level 10", otlp.Logs, 10, ErrGzipLevel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := []byte("x")
			out, err := Encode(dst, tc.sig, []byte{}, tc.level, Meta{})
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			if string(out) != "x" {
				t.Fatalf("dst changed on error: %q", out)
			}
		})
	}
}

// FuzzEncode checks that whatever the metadata, the line is one line of
// valid JSON that Decode reads back to the same strings and payload.
func FuzzEncode(f *testing.F) {
	f.Add("checkout-api", "x-tenant", "acme", "DEBUG", 6, []byte{0x0a, 0x00})
	f.Add("", "", "", "", 0, []byte{})
	f.Add("s\u2028\"\\\n", "k\x00", "\xff\xfe", "\t", 9, []byte("not protobuf"))
	f.Fuzz(func(t *testing.T, source, hname, hvalue, level string, gz int, payload []byte) {
		gz = ((gz % 10) + 10) % 10
		var hs []Header
		if hname != "" || hvalue != "" {
			hs = []Header{{hname, hvalue}}
		}
		line, err := Encode(nil, otlp.Metrics, payload, gz, Meta{Source: source, Headers: hs, Level: level})
		if err != nil {
			t.Fatal(err)
		}
		if bytes.IndexByte(line, '\n') != len(line)-1 || !json.Valid(line) {
			t.Fatalf("not one line of JSON: %q", line)
		}
		msg, err := Decode(line, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if want := sanitize(source); msg.Source != want && !(source == "" && msg.Source == DefaultSource) {
			t.Fatalf("source %q, want %q", msg.Source, want)
		}
		if msg.Level != sanitize(level) {
			t.Fatalf("level %q, want %q", msg.Level, sanitize(level))
		}
		if hs != nil && msg.Headers[sanitize(hname)] != sanitize(hvalue) {
			t.Fatalf("headers %q", msg.Headers)
		}
		if !bytes.Equal(msg.Proto, payload) {
			t.Fatal("payload changed")
		}
	})
}

// sanitize is what a JSON round trip makes of s: each invalid byte becomes
// U+FFFD.
func sanitize(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r)
		i += n
	}
	return b.String()
}

func BenchmarkEncode(b *testing.B) {
	for _, tc := range []struct{ name, pb string }{
		{"6spans", "envelope/v0.17.3-gzip6.expected.pb"},
		{"1507spans", "cwlogs/large-1mb.e1.expected.pb"},
	} {
		req := fixture.Read(b, tc.pb)
		st, err := otlp.Scan(otlp.Traces, req)
		if err != nil {
			b.Fatal(err)
		}
		for _, level := range []int{1, 6} {
			b.Run(tc.name+"/gzip"+strconv.Itoa(level), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(req)))
				var line []byte
				for b.Loop() {
					line, err = Encode(line[:0], otlp.Traces, req, level, Meta{Source: "bench"})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(st.Items)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
			})
		}
	}
}

// TestEncodePayloadIsStandardBase64 guards the reference's choice of
// padded standard base64 (not URL-safe, not raw).
func TestEncodePayloadIsStandardBase64(t *testing.T) {
	line, err := Encode(nil, otlp.Logs, bytes.Repeat([]byte{0xfb, 0xff}, 100), 1, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	var env Envelope
	if err := json.Unmarshal(line, &env); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := json.Unmarshal(env.Payload, &s); err != nil {
		t.Fatal(err)
	}
	gz, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := compress.Gunzip(nil, gz, 0); err != nil || len(raw) != 200 {
		t.Fatalf("gunzip: %d bytes, %v", len(raw), err)
	}
}
