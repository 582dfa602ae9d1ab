package exporter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	coltracepb "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
	"github.com/otlpfwd/otlpfwd/shared/processor"
)

// referenceEnv is the environment shared/testdata/gen/generate.js gave the
// reference Node exporter for each line of its fixtures.
var referenceEnv = map[string][][]string{
	"envelope/v0.17.3-headers-level.jsonl": {{
		EnvServiceName, "checkout-api",
		EnvHeaders, "x-tenant=acme, authorization=Bearer not-a-real-token,content-type=text/plain",
		EnvTracesHeaders, "x-tenant=acme-traces,x-extra=a=b",
		EnvLogLevel, "debug",
	}},
	"envelope/v0.17.3-multi-service.jsonl": {
		{EnvServiceName, "checkout-api"},
		{EnvServiceName, "inventory-worker", EnvCompressionLevel, "9"},
		{EnvLambdaFunctionName, "billing-py"},
	},
	// Built by the generator with the reference's key order (Node has no
	// metric or log exporter): source checkout-api, level 6.
	"envelope/metrics-protobuf-gzip.jsonl": {{EnvServiceName, "checkout-api"}},
	"envelope/logs-protobuf-gzip.jsonl":    {{EnvServiceName, "checkout-api"}},
}

func init() {
	for l := 0; l <= 9; l++ {
		referenceEnv[fmt.Sprintf("envelope/v0.17.3-gzip%d.jsonl", l)] = [][]string{
			{EnvServiceName, "checkout-api", EnvCompressionLevel, fmt.Sprint(l)},
		}
	}
}

// TestSameLineAsTheReference: for every line the reference exporter wrote,
// this package, with the same environment, writes a line with the same
// keys in the same order, byte-identical values for every key but the
// payload, and a payload whose gzip header is the same bytes.
func TestSameLineAsTheReference(t *testing.T) {
	m := fixture.Load(t)
	var names []string
	for _, name := range m.Names("envelope/") {
		if strings.HasPrefix(name, "envelope/v0.17.3-") && strings.HasSuffix(name, ".jsonl") {
			names = append(names, name)
		}
	}
	names = append(names, "envelope/metrics-protobuf-gzip.jsonl", "envelope/logs-protobuf-gzip.jsonl")
	if len(names) < 14 {
		t.Fatalf("only %d reference fixtures", len(names))
	}
	compared := 0
	for _, name := range names {
		envs, ok := referenceEnv[name]
		if !ok {
			t.Fatalf("%s: environment unknown, add it to referenceEnv", name)
		}
		refs := bytes.SplitAfter(bytes.TrimRight(fixture.Read(t, name), "\n"), []byte("\n"))
		if len(refs) != len(envs) {
			t.Fatalf("%s: %d lines, %d environments", name, len(refs), len(envs))
		}
		for i, ref := range refs {
			t.Run(fmt.Sprintf("%s/line%d", name, i+1), func(t *testing.T) {
				refMsg, err := otlpstdout.Decode(ref, otlpstdout.Options{})
				if err != nil {
					t.Fatal(err)
				}
				line := exportLine(t, refMsg.Signal, Options{Getenv: env(envs[i]...)})
				got, want := members(t, line), members(t, ref)
				if g, w := keys(got), keys(want); g != w {
					t.Fatalf("keys %s\nreference %s", g, w)
				}
				for j, w := range want {
					if w.key != "payload" && !bytes.Equal(got[j].value, w.value) {
						t.Errorf("%s = %s, reference %s", w.key, got[j].value, w.value)
					}
				}
				msg, err := otlpstdout.Decode(line, otlpstdout.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(msg.Gzip[:10], refMsg.Gzip[:10]) {
					t.Errorf("gzip header % x, reference % x", msg.Gzip[:10], refMsg.Gzip[:10])
				}
				if _, err := compress.Gunzip(nil, msg.Gzip, 0); err != nil {
					t.Errorf("payload does not inflate: %v", err)
				}
				compared++
			})
		}
	}
	if compared < 16 {
		t.Fatalf("compared %d lines", compared)
	}
}

// exportLine exports this package's test data of the signal with o and
// returns the line written.
func exportLine(t *testing.T, sig otlp.Signal, o Options) []byte {
	t.Helper()
	var out buffer
	o.Writer = &out
	ctx := context.Background()
	var err error
	switch sig {
	case otlp.Traces:
		var e *Spans
		if e, err = NewSpans(o); err == nil {
			err = e.ExportSpans(ctx, testSpans(t))
		}
	case otlp.Metrics:
		var e *Metrics
		if e, err = NewMetrics(o); err == nil {
			err = e.Export(ctx, testMetrics())
		}
	case otlp.Logs:
		var e *Logs
		if e, err = NewLogs(o); err == nil {
			err = e.Export(ctx, testRecords(t))
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := out.lines(t)
	if len(lines) != 1 {
		t.Fatalf("%d lines", len(lines))
	}
	return lines[0]
}

type member struct {
	key   string
	value json.RawMessage
}

// members returns the members of a JSON object in their order.
func members(t *testing.T, obj []byte) []member {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %v %v", tok, err)
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, member{tok.(string), v})
	}
	return out
}

func keys(ms []member) string {
	ks := make([]string, len(ms))
	for i, m := range ms {
		ks[i] = m.key
	}
	return strings.Join(ks, ",")
}

// TestLinesDecodeInIngest runs every signal's line, at every gzip level,
// as is and as Lambda's JSON log format wraps it, through ingest's
// processor chain.
func TestLinesDecodeInIngest(t *testing.T) {
	items := map[otlp.Signal]int{otlp.Traces: 6, otlp.Metrics: 10, otlp.Logs: 5}
	for _, sig := range otlp.Signals {
		for level := 0; level <= 9; level++ {
			line := exportLine(t, sig, Options{Getenv: env(EnvCompressionLevel, fmt.Sprint(level), EnvLambdaFunctionName, "checkout-api")})
			wrapped, err := json.Marshal(map[string]string{
				"timestamp": "2026-11-24T10:15:30.123Z", "level": "INFO",
				"requestId": "8f5c1d2e-0000-4000-8000-000000000001", "message": string(line),
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, msg := range []string{string(line), string(wrapped)} {
				ev := &processor.Event{LogGroup: "/aws/lambda/checkout-api", Message: msg}
				tel, outcome, err := processor.Default().Process(ev, nil)
				if err != nil || outcome != processor.Decoded || len(tel) != 1 {
					t.Fatalf("%v gzip %d: outcome %v, %d requests, %v", sig, level, outcome, len(tel), err)
				}
				got := tel[0]
				if got.Signal != sig || got.Source != "checkout-api" || got.Processor != "otlp-stdout" ||
					got.Stats.Items != items[sig] || got.Gzip == nil {
					t.Fatalf("%v gzip %d: %v %q %q %d items, gzip kept %v", sig, level,
						got.Signal, got.Source, got.Processor, got.Stats.Items, got.Gzip != nil)
				}
			}
		}
	}
	// And the content is exact.
	var req coltracepb.ExportTraceServiceRequest
	decodeLine(t, exportLine(t, otlp.Traces, Options{Getenv: env()}), otlp.Traces, &req)
	equalProto(t, "traces", &req, wantTraces())
}
