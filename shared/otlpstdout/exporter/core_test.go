package exporter

import (
	"bytes"
	"context"
	"errors"
	"math"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/trace"
	collogspb "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	logspb "go.opentelemetry.io/proto/slim/otlp/logs/v1"
	tracepb "go.opentelemetry.io/proto/slim/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
)

// chunkyWriter is not safe for concurrent use and writes in small pieces,
// yielding between them: two Writes at once would interleave their bytes
// (and the race detector would say so).
type chunkyWriter struct {
	b      []byte
	writes int
}

func (w *chunkyWriter) Write(p []byte) (int, error) {
	w.writes++
	n0 := len(p)
	for len(p) > 0 {
		n := min(len(p), 512)
		w.b = append(w.b, p[:n]...)
		p = p[n:]
		runtime.Gosched()
	}
	return n0, nil
}

// TestConcurrentExportsDoNotInterleave: three exporters, many goroutines,
// one writer: every line arrives whole, in one Write.
func TestConcurrentExportsDoNotInterleave(t *testing.T) {
	var w chunkyWriter
	o := Options{Writer: &w, Getenv: env(EnvServiceName, "concurrent")}
	spans, err1 := NewSpans(o)
	logs, err2 := NewLogs(o)
	metrics, err3 := NewMetrics(o)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	ss, rs, rm := testSpans(t), testRecords(t), testMetrics()
	const goroutines, each = 6, 20
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for range each {
				switch g % 3 {
				case 0:
					errs <- spans.ExportSpans(ctx, ss)
				case 1:
					errs <- logs.Export(ctx, rs)
				case 2:
					errs <- metrics.Export(ctx, rm)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	lines := bytes.SplitAfter(w.b, []byte("\n"))
	lines = lines[:len(lines)-1] // after the last newline
	if len(lines) != goroutines*each || w.writes != len(lines) {
		t.Fatalf("%d lines in %d writes, want %d in as many", len(lines), w.writes, goroutines*each)
	}
	count := map[otlp.Signal]int{}
	for _, l := range lines {
		var req proto.Message
		switch {
		case bytes.Contains(l, []byte("/v1/traces")):
			req = &coltracepb.ExportTraceServiceRequest{}
		case bytes.Contains(l, []byte("/v1/metrics")):
			req = &colmetricspb.ExportMetricsServiceRequest{}
		default:
			req = &collogspb.ExportLogsServiceRequest{}
		}
		sig, err := decodeAny(l, req)
		if err != nil {
			t.Fatal(err)
		}
		count[sig]++
	}
	if count[otlp.Traces] != 2*each || count[otlp.Metrics] != 2*each || count[otlp.Logs] != 2*each {
		t.Fatalf("lines per signal: %v", count)
	}
}

// decodeAny decodes a line and its request, returning the signal.
func decodeAny(line []byte, req proto.Message) (otlp.Signal, error) {
	msg, err := otlpstdout.Decode(line, otlpstdout.Options{})
	if err != nil {
		return 0, err
	}
	return msg.Signal, proto.Unmarshal(msg.Proto, req)
}

// blockingWriter blocks every Write until release is closed.
type blockingWriter struct {
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.started) })
	<-w.release
	return len(p), nil
}

// TestShutdownWaitsForExportsInFlight: Shutdown returns once the export
// in flight has written its line, or when its context ends; exports after
// it are refused.
func TestShutdownWaitsForExportsInFlight(t *testing.T) {
	w := &blockingWriter{started: make(chan struct{}), release: make(chan struct{})}
	exp, err := NewMetrics(Options{Writer: w, Getenv: env()})
	if err != nil {
		t.Fatal(err)
	}
	exported := make(chan error, 1)
	go func() { exported <- exp.Export(context.Background(), testMetrics()) }()
	<-w.started

	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := exp.Shutdown(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with an export in flight: %v, want the deadline", err)
	}
	if err := exp.Export(context.Background(), testMetrics()); !errors.Is(err, sdkmetric.ErrExporterShutdown) {
		t.Fatalf("Export after Shutdown: %v", err)
	}
	close(w.release)
	if err := <-exported; err != nil {
		t.Fatalf("the export in flight: %v", err)
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestForceFlush(t *testing.T) {
	exp, err := NewSpans(Options{Writer: &bytes.Buffer{}, Getenv: env()})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if err := exp.ForceFlush(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("ForceFlush with a done context: %v", err)
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(context.Background(), testSpans(t)); !errors.Is(err, ErrShutdown) {
		t.Fatalf("ExportSpans after Shutdown: %v", err)
	}
}

// TestEnumMappings pins the OTLP numbers, which are the wire format.
func TestEnumMappings(t *testing.T) {
	kinds := map[trace.SpanKind]int32{
		trace.SpanKindUnspecified: 0, trace.SpanKindInternal: 1, trace.SpanKindServer: 2,
		trace.SpanKindClient: 3, trace.SpanKindProducer: 4, trace.SpanKindConsumer: 5, trace.SpanKind(42): 0,
	}
	for k, want := range kinds {
		if got := int32(spanKind(k)); got != want {
			t.Errorf("span kind %v: %d, want %d", k, got, want)
		}
	}
	statuses := map[codes.Code]tracepb.Status_StatusCode{codes.Unset: 0, codes.Ok: 1, codes.Error: 2, codes.Code(9): 0}
	for c, want := range statuses {
		if got := statusCode(c); got != want {
			t.Errorf("status %v: %d, want %d", c, got, want)
		}
	}
	severities := map[log.Severity]logspb.SeverityNumber{
		log.SeverityUndefined: 0, log.SeverityTrace1: 1, log.SeverityDebug: 5, log.SeverityInfo: 9, log.SeverityInfo4: 12,
		log.SeverityWarn: 13, log.SeverityError: 17, log.SeverityFatal: 21, log.SeverityFatal4: 24,
		log.Severity(25): 0, log.Severity(-1): 0,
	}
	for s, want := range severities {
		if got := severity(s); got != want {
			t.Errorf("severity %d: %d, want %d", s, got, want)
		}
	}
}

func TestTimesAndCounts(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want uint64
	}{
		{time.Time{}, 0},
		{time.Unix(-1, 0), 0},
		{time.Unix(0, 1), 1},
		{t0, uint64(t0.UnixNano())},
	} {
		if got := unixNano(tc.t); got != tc.want {
			t.Errorf("unixNano(%v) = %d, want %d", tc.t, got, tc.want)
		}
	}
	for n, want := range map[int]uint32{-3: 0, 0: 0, 7: 7, math.MaxInt: math.MaxUint32} {
		if got := clampUint32(n); got != want {
			t.Errorf("clampUint32(%d) = %d, want %d", n, got, want)
		}
	}
}
