package svc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/deploy/toolchain"
	tracepb "go.opentelemetry.io/proto/slim/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// testWriter sends build progress to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// collectorBinary builds the collector, or takes it from the cache.
func collectorBinary(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Minute)
	defer cancel()
	start := time.Now()
	bin, err := toolchain.EnsureCollector(ctx, toolchain.Options{Progress: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("EnsureCollector: %v", time.Since(start))
	return bin
}

func startCollector(t *testing.T, ctx context.Context, bin string, failing bool) *Collector {
	t.Helper()
	start := time.Now()
	c, err := StartCollector(ctx, CollectorOptions{Dir: t.TempDir(), Binary: bin, Failing: failing})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	t.Logf("collector ready in %v at %s (pid %d)", time.Since(start), c.Endpoint(), c.PID())
	return c
}

// traceRequest is an ExportTraceServiceRequest with one span named name.
// TracesData has the same wire format (field 1: repeated ResourceSpans) and
// spares the collector/trace/v1 package, which drags in gRPC.
func traceRequest(t *testing.T, name string) []byte {
	t.Helper()
	b, err := proto.Marshal(&tracepb.TracesData{
		ResourceSpans: []*tracepb.ResourceSpans{{
			ScopeSpans: []*tracepb.ScopeSpans{{
				Spans: []*tracepb.Span{{
					TraceId:           bytes.Repeat([]byte{0xab}, 16),
					SpanId:            bytes.Repeat([]byte{0xcd}, 8),
					Name:              name,
					StartTimeUnixNano: 1,
					EndTimeUnixNano:   2,
				}},
			}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends body as OTLP/HTTP protobuf and returns the status code.
func post(t *testing.T, ctx context.Context, url string, body []byte) int {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// spans returns, for each complete line of the collector's traces file (an
// OTLP/JSON export request), its spans as "TRACEID/SPANID/NAME".
func spans(t *testing.T, c *Collector) [][]string {
	t.Helper()
	b, err := os.ReadFile(c.OutputPath(Traces))
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]string
	for len(b) > 0 {
		line, rest, complete := bytes.Cut(b, []byte("\n"))
		if !complete {
			break // being written
		}
		b = rest
		var req struct {
			ResourceSpans []struct {
				ScopeSpans []struct {
					Spans []struct{ TraceID, SpanID, Name string }
				}
			}
		}
		if err := json.Unmarshal(line, &req); err != nil {
			t.Fatalf("traces file line %q: %v", line, err)
		}
		var names []string
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					names = append(names, sp.TraceID+"/"+sp.SpanID+"/"+sp.Name)
				}
			}
		}
		lines = append(lines, names)
	}
	return lines
}

// span is how spans reports the span that traceRequest(name) carries.
func span(name string) []string {
	return []string{strings.Repeat("ab", 16) + "/" + strings.Repeat("cd", 8) + "/" + name}
}

func TestCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the OpenTelemetry Collector")
	}
	bin := collectorBinary(t)

	t.Run("accepts and writes", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		c := startCollector(t, ctx, bin, false)
		if code := post(t, ctx, c.Endpoint()+"/v1/traces", traceRequest(t, "first")); code != http.StatusOK {
			t.Fatalf("POST a span = %d, want 200 (log %s)", code, c.LogPath())
		}
		if got, want := spans(t, c), [][]string{span("first")}; !reflect.DeepEqual(got, want) {
			t.Fatalf("traces file holds %q, want %q", got, want)
		}
		for _, s := range []Signal{Metrics, Logs} {
			if fi, err := os.Stat(c.OutputPath(s)); err != nil || fi.Size() != 0 {
				t.Errorf("%s file: %v, want an empty file", s, err)
			}
		}
		assertStopped(t, c.PID(), c.Stop)
	})

	t.Run("malformed body is 400", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		c := startCollector(t, ctx, bin, false)
		if code := post(t, ctx, c.Endpoint()+"/v1/traces", []byte("\xff\xff not protobuf")); code != http.StatusBadRequest {
			t.Fatalf("POST garbage = %d, want 400", code)
		}
		if got := spans(t, c); len(got) != 0 {
			t.Fatalf("traces file after a malformed request holds %q, want nothing", got)
		}
	})

	t.Run("failing mode is 503", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		c := startCollector(t, ctx, bin, true)
		for i := range 3 {
			if code := post(t, ctx, c.Endpoint()+"/v1/traces", traceRequest(t, "lost")); code != http.StatusServiceUnavailable {
				t.Fatalf("POST %d in failing mode = %d, want 503", i, code)
			}
		}
		if code := post(t, ctx, c.Endpoint()+"/v1/traces", []byte("\xff\xff")); code != http.StatusBadRequest {
			t.Fatalf("POST garbage in failing mode = %d, want 400", code)
		}
		if got := spans(t, c); len(got) != 0 {
			t.Fatalf("traces file in failing mode holds %q, want nothing", got)
		}
	})

	t.Run("two at once", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		a := startCollector(t, ctx, bin, false)
		b := startCollector(t, ctx, bin, false)
		if a.Endpoint() == b.Endpoint() {
			t.Fatalf("both collectors at %s", a.Endpoint())
		}
		for _, c := range []*Collector{a, b} {
			if code := post(t, ctx, c.Endpoint()+"/v1/traces", traceRequest(t, c.Endpoint())); code != http.StatusOK {
				t.Fatalf("POST to %s = %d, want 200", c.Endpoint(), code)
			}
		}
		for _, c := range []*Collector{a, b} {
			if got, want := spans(t, c), [][]string{span(c.Endpoint())}; !reflect.DeepEqual(got, want) {
				t.Errorf("collector %s wrote %q, want only its own span %q", c.Endpoint(), got, want)
			}
		}
	})

	t.Run("restart keeps port and output", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		c := startCollector(t, ctx, bin, false)
		url, oldPID := c.Endpoint()+"/v1/traces", c.PID()
		if code := post(t, ctx, url, traceRequest(t, "before")); code != http.StatusOK {
			t.Fatalf("POST before restart = %d", code)
		}
		start := time.Now()
		if err := c.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		t.Logf("restart took %v", time.Since(start))
		if c.PID() == oldPID || c.Endpoint()+"/v1/traces" != url {
			t.Fatalf("after Restart: pid %d (was %d), endpoint %s (was %s)", c.PID(), oldPID, c.Endpoint(), url)
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", oldPID)); !os.IsNotExist(err) {
			t.Errorf("old collector %d still running after Restart", oldPID)
		}
		if code := post(t, ctx, url, traceRequest(t, "after")); code != http.StatusOK {
			t.Fatalf("POST after restart = %d", code)
		}
		if got, want := spans(t, c), [][]string{span("before"), span("after")}; !reflect.DeepEqual(got, want) {
			t.Fatalf("traces file holds %q, want %q (appended across the restart)", got, want)
		}
		assertStopped(t, c.PID(), c.Stop)
	})
}
