package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	collogspb "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
)

// TestInvocationWritesItsTelemetry runs two invocations of the example's
// handler with stdout captured, and decodes what each left on stdout
// before returning: one traces, one metrics and one logs line, the log
// record in the span's trace.
func TestInvocationWritesItsTelemetry(t *testing.T) {
	for _, k := range []string{
		"OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
		"OTLP_STDOUT_SPAN_EXPORTER_COMPRESSION_LEVEL", "OTLP_STDOUT_SPAN_EXPORTER_LOG_LEVEL",
		"OTLP_STDOUT_SPAN_EXPORTER_OUTPUT_TYPE", "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
		"OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
	} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "greeter")
	t.Setenv("AWS_REGION", "eu-west-1")

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w // the exporters take os.Stdout when they are built
	h, err := newHandler(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Stdout = stdout
	if err != nil {
		t.Fatal(err)
	}
	captured := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		captured <- b
	}()

	for i, event := range []string{`{"name":"ana"}`, `not json`} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "req-" + string(rune('1'+i))})
		resp, err := h.handle(ctx, json.RawMessage(event))
		cancel()
		if i == 0 && (err != nil || resp.Message != "hello, ana") {
			t.Fatalf("invocation 1: %+v, %v", resp, err)
		}
		if i == 1 && err == nil {
			t.Fatal("invocation 2: no error for a bad event")
		}
	}
	w.Close()
	out := <-captured

	var traces []*coltracepb.ExportTraceServiceRequest
	var metrics []*colmetricspb.ExportMetricsServiceRequest
	var logs []*collogspb.ExportLogsServiceRequest
	for _, line := range bytes.SplitAfter(bytes.TrimSpace(out), []byte("\n")) {
		msg, err := otlpstdout.Decode(line, otlpstdout.Options{})
		if err != nil {
			t.Fatalf("%v: %.100s", err, line)
		}
		if msg.Source != "greeter" {
			t.Errorf("source %q", msg.Source)
		}
		var req proto.Message
		switch msg.Signal {
		case otlp.Traces:
			x := &coltracepb.ExportTraceServiceRequest{}
			traces, req = append(traces, x), x
		case otlp.Metrics:
			x := &colmetricspb.ExportMetricsServiceRequest{}
			metrics, req = append(metrics, x), x
		case otlp.Logs:
			x := &collogspb.ExportLogsServiceRequest{}
			logs, req = append(logs, x), x
		}
		if err := proto.Unmarshal(msg.Proto, req); err != nil {
			t.Fatal(err)
		}
	}
	// Each invocation flushed its span and its counter; only the first logged.
	if len(traces) != 2 || len(metrics) != 2 || len(logs) != 1 {
		t.Fatalf("%d traces, %d metrics, %d logs lines; want 2, 2, 1", len(traces), len(metrics), len(logs))
	}
	span := traces[0].ResourceSpans[0].ScopeSpans[0].Spans[0]
	rec := logs[0].ResourceLogs[0].ScopeLogs[0].LogRecords[0]
	if span.Name != "handle" || !bytes.Equal(rec.TraceId, span.TraceId) || !bytes.Equal(rec.SpanId, span.SpanId) {
		t.Errorf("span %q %x/%x, log record in %x/%x", span.Name, span.TraceId, span.SpanId, rec.TraceId, rec.SpanId)
	}
	if failed := traces[1].ResourceSpans[0].ScopeSpans[0].Spans[0]; failed.Status.GetCode() != 2 {
		t.Errorf("failed invocation's span status %v", failed.Status)
	}
	sum := metrics[1].ResourceMetrics[0].ScopeMetrics[0].Metrics[0].GetSum()
	var total int64
	for _, p := range sum.GetDataPoints() {
		total += p.GetAsInt()
	}
	if total != 2 {
		t.Errorf("invocations counted %d after two, want 2 (cumulative)", total)
	}
}
