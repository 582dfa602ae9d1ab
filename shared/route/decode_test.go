package route

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// wantFixture is what testdata/collectors.{yaml,json} hold.
var wantFixture = []Collector{
	{
		Name:     "honeycomb",
		Endpoint: "https://api.honeycomb.io",
		Headers:  Headers{"x-honeycomb-team": "hc-secret-value-1"},
		Signals:  Signals{otlp.Traces, otlp.Logs},
		Match: Match{
			LogGroups: Rules{Include: []string{"/aws/lambda/prod-*"}, Exclude: []string{"*-canary"}},
			Sources:   Rules{Include: []string{"^checkout", "^cart$"}, Exclude: []string{"test"}},
		},
		Compression:     CompressionZstd,
		Encoding:        EncodingJSON,
		Mode:            ModeMerge,
		Timeout:         2 * time.Second,
		MaxRequestBytes: 1 << 20,
		PassHeaders:     []string{"x-tenant"},
		PlainLogs:       true,
	},
	{
		Name:            "local",
		Endpoint:        "http://127.0.0.1:4318",
		Signals:         Signals{otlp.Traces, otlp.Metrics, otlp.Logs},
		Compression:     CompressionGzip,
		Encoding:        EncodingProtobuf,
		Mode:            ModeMerge,
		Timeout:         DefaultTimeout,
		MaxRequestBytes: DefaultMaxRequestBytes,
	},
}

func TestParseConfigForms(t *testing.T) {
	yamlFile, err := os.ReadFile("testdata/collectors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	jsonFile, err := os.ReadFile("testdata/collectors.json")
	if err != nil {
		t.Fatal(err)
	}
	jsonObject := `{"collectors": ` + string(jsonFile) + `}`
	var yamlList strings.Builder // the YAML file's list, unwrapped
	for line := range strings.Lines(string(yamlFile)) {
		if strings.HasPrefix(line, "  ") {
			yamlList.WriteString(line[2:])
		}
	}
	flow := `{collectors: [{name: honeycomb, endpoint: "https://api.honeycomb.io/", headers: {x-honeycomb-team: hc-secret-value-1},
	  signals: [traces, logs], match: {log_groups: {include: ["/aws/lambda/prod-*"], exclude: ["*-canary"]},
	  sources: {include: ["^checkout", "^cart$"], exclude: [test]}}, compression: zstd, encoding: json, mode: merge,
	  timeout: 2s, max_request_bytes: 1048576, pass_headers: [X-Tenant], plain_logs: true},
	  {name: local, endpoint: "http://127.0.0.1:4318"}]}`
	merged := `
- &hc
  name: honeycomb
  endpoint: https://api.honeycomb.io/
  headers: {x-honeycomb-team: hc-secret-value-1}
  signals: [traces, logs]
  match:
    log_groups: {include: ["/aws/lambda/prod-*"], exclude: ["*-canary"]}
    sources: {include: ["^checkout", "^cart$"], exclude: [test]}
  compression: ZSTD
  encoding: JSON
  mode: merge
  timeout: 2s
  max_request_bytes: 1MiB
  pass_headers: X-Tenant
  plain_logs: true
- <<: *hc
  name: local
  endpoint: http://127.0.0.1:4318
  headers: ~
  signals: ~
  match: ~
  compression: ~
  encoding: ~
  mode: ~
  timeout: ~
  max_request_bytes: ~
  pass_headers: ~
  plain_logs: false
`
	for _, tc := range []struct{ name, doc string }{
		{"yaml object", string(yamlFile)},
		{"yaml list", yamlList.String()},
		{"json list", string(jsonFile)},
		{"json object", jsonObject},
		{"yaml flow", flow},
		{"yaml merge keys and nulls", merged},
		{"json with BOM and tabs", "\ufeff\t" + strings.ReplaceAll(string(jsonFile), "  ", "\t")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseConfig([]byte(tc.doc))
			if err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			if !reflect.DeepEqual(got, wantFixture) {
				t.Fatalf("got\n%#v\nwant\n%#v\nheaders: got %q want %q", got, wantFixture, got[0].Headers["x-honeycomb-team"], wantFixture[0].Headers["x-honeycomb-team"])
			}
		})
	}
}

func TestParseConfigDocumentErrors(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"empty", " \n", "empty"},
		{"empty list", "[]", "no collectors"},
		{"empty collectors", "collectors: []", "no collectors"},
		{"null collectors", "collectors:", "no collectors"},
		{"collectors not a list", "collectors: {name: a}", `"collectors" must be a list`},
		{"one collector unwrapped", "name: a\nendpoint: http://x", "put it in a list"},
		{"other top-level key", "collectors: [{name: a, endpoint: 'http://x'}]\nextra: 1", `unknown top-level key "extra"`},
		{"scalar", "hello", "want a list of collectors"},
		{"two documents", "- {name: a, endpoint: 'http://x'}\n---\n- {name: b, endpoint: 'http://y'}", "more than one document"},
		{"bad json", `[{"name": "a", "endpoint": }]`, "JSON syntax error at line 1"},
		{"bad json and yaml", `[{name: "a", endpoint: }]]`, "neither valid JSON"},
		{"json duplicate key", `[{"name": "a", "name": "b", "endpoint": "http://x"}]`, `duplicate key "name"`},
		{"yaml duplicate key", "- name: a\n  name: b\n  endpoint: http://x", "duplicate key"},
		{"json trailing data", `[{"name": "a", "endpoint": "http://x"}] [1]`, "data after the end"},
		{"deep nesting", strings.Repeat("[", 100) + strings.Repeat("]", 100), "nested deeper"},
		{"alias bomb", aliasBomb(), "more than 100000 values"},
		{"not an object", "- just a string", "want an object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g"} {
		b.WriteString(name + ": &" + name + " [")
		for i := range 10 {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = name
	}
	b.WriteString("collectors: *g\n")
	return b.String()
}

type fieldProblem struct {
	index int
	field string
	want  string // part of the problem text
}

// problemsOf flattens a joined error into its FieldErrors.
func problemsOf(t *testing.T, err error) []*FieldError {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var out []*FieldError
	for _, e := range errs {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("%v is not a FieldError", e)
		}
		out = append(out, fe)
	}
	return out
}

func checkProblems(t *testing.T, err error, want []fieldProblem) {
	t.Helper()
	got := problemsOf(t, err)
	for _, w := range want {
		found := false
		for _, g := range got {
			if g.Index == w.index && g.Field == w.field && strings.Contains(g.Problem, w.want) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("missing problem collectors[%d] %s: %q", w.index, w.field, w.want)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(got), len(want), err)
	}
}

// TestValidationListsEveryProblem feeds one document with a mistake in
// every field and checks that each is reported, at once, naming the
// collector and the field.
func TestValidationListsEveryProblem(t *testing.T) {
	doc := `
collectors:
  - endpoint: ftp://example.com                     # 0: name missing, bad scheme
  - name: "bad name!"                               # 1
    endpoint: https://user:hunter2@example.com      # userinfo
  - name: q
    endpoint: https://example.com/otlp?key=qs3cr3t#frag   # query and fragment
  - name: sigpath
    endpoint: https://example.com/v1/traces         # signal path given
  - name: nohost
    endpoint: "http://"
  - name: headers-test
    endpoint: https://example.com
    headers:
      "bad name": v
      Content-Type: application/json
      X-Token: "line1\nline2"
      X-Empty: ""
      X-Number: 42
      Authorization: a
      authorization: b
  - name: sig
    endpoint: https://example.com
    signals: [traces, spans, bogus]
  - name: nosig
    endpoint: https://example.com
    signals: []
  - name: rules
    endpoint: https://example.com
    match:
      log_groups:
        include: ["/aws/lambda/(foo|bar)", ""]
        exclude: [42]
      sources:
        include: ["(unclosed"]
        exclude: [""]
      sourcs: {}
  - name: enums
    endpoint: https://example.com
    compression: brotli
    encoding: xml
    mode: teleport
  - name: pass
    endpoint: https://example.com
    mode: passthrough
    compression: zstd
  - name: times
    endpoint: https://example.com
    timeout: 10
    max_request_bytes: 128MiB
  - name: times2
    endpoint: https://example.com
    timeout: soon
    max_request_bytes: lots
  - name: times3
    endpoint: https://example.com
    timeout: 0s
    max_request_bytes: 0
  - name: times4
    endpoint: https://example.com
    timeout: 1h
    max_request_bytes: 1.5
  - name: types
    endpoint: [https://example.com]
    headers: "Bearer xyz"
    disabled: "yes"
    plain_logs: 1
    pass_headers: {a: b}
    match: [x]
  - name: pass2
    endpoint: https://example.com
    headers: {X-Scope-OrgID: tenant-a}
    pass_headers: ["x-*", "content-type", "bad header", "x-scope-orgid"]
  - name: plain
    endpoint: https://example.com
    signals: [traces]
    plain_logs: true
  - name: typo
    endpont: https://example.com
    maxRequestBytes: 1
    colour: blue
  - name: hdrs
    endpoint: https://example.com
  - name: HDRS
    endpoint: https://example.com
`
	_, err := ParseConfig([]byte(doc))
	checkProblems(t, err, []fieldProblem{
		{0, "name", "required"},
		{0, "endpoint", "http or https"},
		{1, "name", "A-Z a-z 0-9"},
		{1, "endpoint", "credentials in the URL"},
		{2, "endpoint", "no query"},
		{2, "endpoint", "no fragment"},
		{3, "endpoint", "without /v1/traces"},
		{4, "endpoint", "no host"},
		{5, "headers.bad name", "not a valid header name"},
		{5, "headers.Content-Type", "set by the forwarder"},
		{5, "headers.X-Token", "control character"},
		{5, "headers.X-Empty", "empty value"},
		{5, "headers.X-Number", "want a string value, not a number"},
		{5, "headers.authorization", `the same header as "Authorization"`},
		{6, "signals[2]", "unknown signal"},
		{7, "signals", "empty list"},
		{8, "match.log_groups.include[0]", "characters no log group name has"},
		{8, "match.log_groups.include[1]", "empty pattern"},
		{8, "match.log_groups.exclude[0]", "want a string"},
		{8, "match.sources.include[0]", "RE2"},
		{8, "match.sources.exclude[0]", "empty pattern"},
		{8, "match.sourcs", `did you mean "sources"`},
		{9, "compression", "want gzip, zstd or none"},
		{9, "encoding", "want protobuf or json"},
		{9, "mode", "want merge or passthrough"},
		{10, "mode", "needs compression gzip"},
		{11, "timeout", `bare number: give a unit, e.g. "10s"`},
		{11, "max_request_bytes", "at most 67108864"},
		{12, "timeout", "not a duration"},
		{12, "max_request_bytes", "not a size"},
		{13, "timeout", "more than 0"},
		{13, "max_request_bytes", "more than 0"},
		{14, "timeout", "at most 15m0s"},
		{14, "max_request_bytes", "not a whole number"},
		{15, "endpoint", "want a string, not a list"},
		{15, "headers", "want an object"},
		{15, "disabled", "want true or false"},
		{15, "plain_logs", "want true or false"},
		{15, "pass_headers", "want a list of strings"},
		{15, "match", "want an object"},
		{16, "pass_headers[0]", "wildcards"},
		{16, "pass_headers[1]", "set by the forwarder"},
		{16, "pass_headers[2]", "not a valid header name"},
		{16, "pass_headers[3]", "must not override the collector's own header"},
		{17, "plain_logs", "leaves out logs"},
		{18, "endpont", `did you mean "endpoint"`},
		{18, "maxRequestBytes", `did you mean "max_request_bytes"`},
		{18, "colour", "unknown field (known: name, endpoint"},
		{18, "endpoint", "required"},
		{20, "name", `used by collectors[19] ("hdrs")`},
	})
	// The messages name the collector and carry YAML lines, and no header
	// value or URL password leaks into them.
	msg := err.Error()
	for _, want := range []string{`collectors[5] ("headers-test") line 2`, "collectors[0] line 3: name: required"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	for _, secret := range []string{"hunter2", "line1", "Bearer", "xyz", "qs3cr3t"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error leaks %q:\n%s", secret, msg)
		}
	}
}

func TestParseConfigJSONErrorsDoNotEchoValues(t *testing.T) {
	doc := `[{"name": "a", "headers": {"Authorization": "Bearer s3cr3t"}, "endpoint": }]`
	_, err := ParseConfig([]byte(doc))
	if err == nil || !strings.Contains(err.Error(), "JSON syntax error at line 1") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("error echoes the value: %v", err)
	}
	doc = `[{"name": "a", "endpoint": "https://x", "headers": {"Authorization": ["Bearer s3cr3t"]}, "timeout": 5}]`
	_, err = ParseConfig([]byte(doc))
	checkProblems(t, err, []fieldProblem{{0, "headers.Authorization", "want a string value"}, {0, "timeout", "bare number"}})
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("error echoes the value: %v", err)
	}
}

func TestSizes(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  int
		json  bool // also valid JSON
	}{
		{"1048576", 1 << 20, true},
		{"0x100000", 1 << 20, false},
		{"1e6", 1_000_000, true},
		{`"8MiB"`, 8 << 20, true},
		{`"512 KiB"`, 512 << 10, true},
		{`"2mb"`, 2_000_000, true},
		{`"1000B"`, 1000, true},
		{`"4096"`, 4096, true},
	} {
		docs := []string{`[{name: a, endpoint: "https://x", max_request_bytes: ` + tc.value + `}]`}
		if tc.json {
			docs = append(docs, `[{"name": "a", "endpoint": "https://x", "max_request_bytes": `+tc.value+`}]`)
		}
		for _, doc := range docs {
			cs, err := ParseConfig([]byte(doc))
			if err != nil {
				t.Fatalf("%s: %v", doc, err)
			}
			if cs[0].MaxRequestBytes != tc.want {
				t.Errorf("%s: got %d, want %d", doc, cs[0].MaxRequestBytes, tc.want)
			}
		}
	}
}

func TestParseCollector(t *testing.T) {
	c, err := ParseCollector([]byte("endpoint: https://x\nheaders: {k: v}\n"), "from-secret")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "from-secret" || c.Compression != CompressionGzip || c.Timeout != DefaultTimeout {
		t.Fatalf("got %+v", c)
	}
	c, err = ParseCollector([]byte(`{"name": "explicit", "endpoint": "https://x"}`), "from-secret")
	if err != nil || c.Name != "explicit" {
		t.Fatalf("got %+v, %v", c, err)
	}
	_, err = ParseCollector([]byte(`{"endpoint": "https://x", "timeout": "x"}`), "")
	checkProblems(t, err, []fieldProblem{{-1, "name", "required"}, {-1, "timeout", "not a duration"}})
	if !strings.Contains(err.Error(), `collector "": name: required`) {
		t.Fatalf("error = %v", err)
	}
}

func TestUnmarshalCollector(t *testing.T) {
	var viaJSON struct {
		Collectors []Collector `json:"collectors"`
	}
	data, _ := os.ReadFile("testdata/collectors.json")
	if err := json.Unmarshal([]byte(`{"collectors": `+string(data)+`}`), &viaJSON); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(viaJSON.Collectors, wantFixture) {
		t.Fatalf("json.Unmarshal: got %#v", viaJSON.Collectors)
	}
	var viaYAML struct {
		Collectors []Collector `yaml:"collectors"`
	}
	data, _ = os.ReadFile("testdata/collectors.yaml")
	if err := yaml.Unmarshal(data, &viaYAML); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(viaYAML.Collectors, wantFixture) {
		t.Fatalf("yaml.Unmarshal: got %#v", viaYAML.Collectors)
	}
	var c Collector
	if err := json.Unmarshal([]byte(`{"name": "a", "endpoint": "https://x", "timeout": 10}`), &c); err == nil || !strings.Contains(err.Error(), "bare number") {
		t.Fatalf("json.Unmarshal of a bare-number timeout: %v", err)
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	for _, c := range wantFixture {
		data, err := c.ConfigJSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseCollector(data, "")
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("round trip of %s: got %#v", data, back)
		}
	}
	// MarshalJSON is the redacted form of the same document.
	data, err := json.Marshal(wantFixture[0])
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseCollector(data, "")
	if err != nil {
		t.Fatal(err)
	}
	if back.Headers["x-honeycomb-team"] != Redacted {
		t.Fatalf("MarshalJSON headers = %v", back.Headers.Names())
	}
	back.Headers = wantFixture[0].Headers
	if !reflect.DeepEqual(back, wantFixture[0]) {
		t.Fatalf("MarshalJSON round trip: got %#v", back)
	}
}

func TestSuggest(t *testing.T) {
	for k, want := range map[string]string{
		"endpont": "endpoint", "Endpoint": "endpoint", "max-request-bytes": "max_request_bytes",
		"passHeaders": "pass_headers", "signal": "signals", "zzz": "", "headerz": "headers",
	} {
		if got := suggest(k, collectorKeys); got != want {
			t.Errorf("suggest(%q) = %q, want %q", k, got, want)
		}
	}
	if !slices.Contains(collectorKeys, "insecure_skip_verify") || len(collectorKeys) != 14 {
		t.Fatalf("collectorKeys = %v", collectorKeys)
	}
}

// FuzzParseConfig checks that no document makes the parser panic, and
// that whatever it accepts builds a table and survives a round trip.
func FuzzParseConfig(f *testing.F) {
	for _, name := range []string{"testdata/collectors.yaml", "testdata/collectors.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{collectors: [{name: a, endpoint: "http://x", timeout: 1s, max_request_bytes: 1KiB}]}`))
	f.Add([]byte("- &a {name: a, endpoint: 'https://x'}\n- <<: *a\n  name: b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := ParseConfig(data)
		if err != nil {
			return
		}
		if _, err := NewTable(cs); err != nil {
			t.Fatalf("ParseConfig accepted what NewTable rejects: %v", err)
		}
		for _, c := range cs {
			out, err := c.ConfigJSON()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseCollector(out, "")
			if err != nil {
				t.Fatalf("round trip of %s: %v", out, err)
			}
			if !reflect.DeepEqual(back, c) {
				t.Fatalf("round trip of %s: got %#v, want %#v", out, back, c)
			}
		}
	})
}

// TestDocExample keeps the configuration example in doc.go valid.
func TestDocExample(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var doc strings.Builder
	for line := range strings.Lines(string(src)) {
		if rest, ok := strings.CutPrefix(line, "//\t"); ok {
			doc.WriteString(rest)
		}
	}
	cs, err := ParseConfig([]byte(doc.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, doc.String())
	}
	if len(cs) != 1 || cs[0].MaxRequestBytes != 8<<20 || cs[0].Match.Sources.Exclude[0] != "test" {
		t.Fatalf("got %+v", cs)
	}
}
