package exporter

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// namedSpans makes, for each of two resources and two scopes, n spans
// named service/scope/tag+i, each with an attribute of incompressible text of
// the given length (so that lines are long even gzipped).
func namedSpans(t *testing.T, tag string, n, textLen int) (spans []sdktrace.ReadOnlySpan, names []string) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	for _, svc := range []string{"svc-a", "svc-b"} {
		tp := sdktrace.NewTracerProvider(
			sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", svc))),
			sdktrace.WithSpanProcessor(rec),
		)
		for _, scope := range []string{"scope-1", "scope-2"} {
			tr := tp.Tracer(scope)
			for i := range n {
				name := fmt.Sprintf("%s/%s/%s%d", svc, scope, tag, i)
				_, s := tr.Start(context.Background(), name, trace.WithAttributes(attribute.String("text", noise(name, textLen))))
				s.End()
				names = append(names, name)
			}
		}
		if err := tp.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return rec.Ended(), names
}

// noise is n hex digits that gzip cannot shrink much.
func noise(seed string, n int) string {
	var b strings.Builder
	for h := sha256.Sum256([]byte(seed)); b.Len() < n; h = sha256.Sum256(h[:]) {
		fmt.Fprintf(&b, "%x", h)
	}
	return b.String()[:n]
}

// spanNames decodes trace lines and returns the names of their spans,
// checking that each span is under the resource and scope its name says.
func spanNames(t *testing.T, lines [][]byte) []string {
	t.Helper()
	var names []string
	for _, line := range lines {
		var req coltracepb.ExportTraceServiceRequest
		decodeLine(t, line, otlp.Traces, &req)
		for _, rs := range req.ResourceSpans {
			svc := rs.Resource.Attributes[0].Value.GetStringValue()
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					if !strings.HasPrefix(s.Name, svc+"/"+ss.Scope.Name+"/") {
						t.Errorf("span %s under resource %s, scope %s", s.Name, svc, ss.Scope.Name)
					}
					names = append(names, s.Name)
				}
			}
		}
	}
	return names
}

// sameNames fails unless got holds each of want exactly once.
func sameNames(t *testing.T, got, want []string) {
	t.Helper()
	seen := make(map[string]int, len(got))
	for _, n := range got {
		seen[n]++
	}
	for _, n := range want {
		if seen[n] != 1 {
			t.Errorf("span %s written %d times, want once", n, seen[n])
		}
		delete(seen, n)
	}
	for n := range seen {
		t.Errorf("span %s written, not exported", n)
	}
}

// TestLongBatchIsSplitIntoLinesWithinTheCap: a batch whose line would be
// longer than MaxLineBytes is written as several lines, each within the
// cap, that together carry every span once, under its resource and scope.
func TestLongBatchIsSplitIntoLinesWithinTheCap(t *testing.T) {
	const limit = 4096
	spans, names := namedSpans(t, "", 50, 100)

	var whole buffer
	exp, err := NewSpans(Options{Writer: &whole, MaxLineBytes: NoLineLimit, Getenv: env()})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	if n := len(whole.lines(t)[0]); n < 5*limit {
		t.Fatalf("the whole batch is a line of %d bytes: too short for the test", n)
	}

	var out buffer
	var logs bytes.Buffer
	exp, err = NewSpans(Options{Writer: &out, MaxLineBytes: limit, Getenv: env(),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	lines := out.lines(t)
	if len(lines) < 5 || out.writes != len(lines) {
		t.Fatalf("%d lines in %d writes, want at least 5 in as many", len(lines), out.writes)
	}
	for i, l := range lines {
		if len(l) > limit {
			t.Errorf("line %d: %d bytes, over the cap of %d", i, len(l), limit)
		}
	}
	sameNames(t, spanNames(t, lines), names)
	if logs.Len() > 0 {
		t.Errorf("warned: %s", logs.String())
	}
}

// TestItemLongerThanTheCapIsWrittenAlone: a span too long for a line of
// its own is written whole, alone on its line, with a warning; the spans
// around it still go in lines within the cap.
func TestItemLongerThanTheCapIsWrittenAlone(t *testing.T) {
	const limit = 4096
	spans, names := namedSpans(t, "", 5, 100)
	big, bigName := namedSpans(t, "big", 1, 3*limit)
	spans = append(spans, big[0])
	names = append(names, bigName[0])

	var out buffer
	var logs bytes.Buffer
	exp, err := NewSpans(Options{Writer: &out, MaxLineBytes: limit, Getenv: env(),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	lines := out.lines(t)
	over := 0
	for _, l := range lines {
		if len(l) <= limit {
			continue
		}
		over++
		if got := spanNames(t, [][]byte{l}); len(got) != 1 || got[0] != bigName[0] {
			t.Errorf("line of %d bytes over the cap holds %v, want only %s", len(l), got, bigName[0])
		}
	}
	if over != 1 {
		t.Errorf("%d lines over the cap, want 1", over)
	}
	sameNames(t, spanNames(t, lines), names)
	if !strings.Contains(logs.String(), "does not split") {
		t.Errorf("no warning: %q", logs.String())
	}
}

// TestMaxLineBytesConfig: the cap is 200 KiB unless set; the variable
// wins over the option, and 0 there (NoLineLimit here) removes it.
func TestMaxLineBytesConfig(t *testing.T) {
	for _, tc := range []struct {
		opt  int
		env  string
		want int
	}{
		{0, "", DefaultMaxLineBytes},
		{1000, "", 1000},
		{NoLineLimit, "", 0},
		{1000, "5000", 5000},
		{1000, " 0 ", 0},
	} {
		c, err := newConfig(otlp.Traces, Options{MaxLineBytes: tc.opt, Getenv: env(EnvMaxLineBytes, tc.env)}, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		if c.maxLine != tc.want {
			t.Errorf("option %d, %s=%q: cap %d, want %d", tc.opt, EnvMaxLineBytes, tc.env, c.maxLine, tc.want)
		}
	}
	if DefaultMaxLineBytes != 204800 {
		t.Errorf("DefaultMaxLineBytes %d", DefaultMaxLineBytes)
	}
}
