package exporter

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
)

// TestConfigPrecedence: a set variable wins over the option, the option
// over the default, as in the reference.
func TestConfigPrecedence(t *testing.T) {
	for _, tc := range []struct {
		name   string
		o      Options
		env    []string
		source string
		gzip   int
		level  string
	}{
		{name: "defaults", source: "unknown-service", gzip: 6},
		{name: "function name", env: []string{EnvLambdaFunctionName, "fn"}, source: "fn", gzip: 6},
		{name: "option over function name", o: Options{Source: "opt"}, env: []string{EnvLambdaFunctionName, "fn"}, source: "opt", gzip: 6},
		{name: "service name over all", o: Options{Source: "opt"}, env: []string{EnvLambdaFunctionName, "fn", EnvServiceName, "svc"}, source: "svc", gzip: 6},
		{name: "gzip option", o: Options{GzipLevel: 9}, source: "unknown-service", gzip: 9},
		{name: "gzip stored", o: Options{GzipLevel: GzipStored}, source: "unknown-service", gzip: 0},
		{name: "gzip env over option", o: Options{GzipLevel: 9}, env: []string{EnvCompressionLevel, "0"}, source: "unknown-service", gzip: 0},
		{name: "gzip env spaces", env: []string{EnvCompressionLevel, " 3 "}, source: "unknown-service", gzip: 3},
		{name: "level option", o: Options{Level: "debug"}, source: "unknown-service", gzip: 6, level: "DEBUG"},
		{name: "level env over option", o: Options{Level: LevelError}, env: []string{EnvLogLevel, "Warning"}, source: "unknown-service", gzip: 6, level: "WARN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Getenv = env(tc.env...)
			c, err := newConfig(otlp.Traces, tc.o, &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			if c.meta.Source != tc.source || c.gzip != tc.gzip || c.meta.Level != tc.level {
				t.Fatalf("source %q gzip %d level %q, want %q %d %q", c.meta.Source, c.gzip, c.meta.Level, tc.source, tc.gzip, tc.level)
			}
		})
	}
}

func TestConfigOutput(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "pipe")
	if err := os.WriteFile(pipe, nil, 0o600); err != nil { // any existing file will do here
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	var stdout bytes.Buffer
	for _, tc := range []struct {
		name     string
		o        Options
		env      []string
		wantPipe bool
		warns    bool
	}{
		{name: "default stdout"},
		{name: "pipe option", o: Options{Output: OutputPipe, PipePath: pipe}, wantPipe: true},
		{name: "pipe env", o: Options{PipePath: pipe}, env: []string{EnvOutputType, "PIPE"}, wantPipe: true},
		{name: "stdout env over pipe option", o: Options{Output: OutputPipe, PipePath: pipe}, env: []string{EnvOutputType, "stdout"}},
		{name: "missing pipe: stdout, with a warning", o: Options{Output: OutputPipe, PipePath: missing}, warns: true},
		{name: "writer over pipe env", o: Options{Writer: &bytes.Buffer{}, PipePath: pipe}, env: []string{EnvOutputType, "pipe"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			tc.o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			tc.o.Getenv = env(tc.env...)
			c, err := newConfig(otlp.Logs, tc.o, &stdout)
			if err != nil {
				t.Fatal(err)
			}
			ps, isPipe := c.out.(*pipeSink)
			if isPipe != tc.wantPipe {
				t.Fatalf("pipe output = %v, want %v", isPipe, tc.wantPipe)
			}
			if isPipe && ps.path != pipe {
				t.Fatalf("pipe %s", ps.path)
			}
			if ws, ok := c.out.(*writerSink); ok && tc.o.Writer == nil && ws.w != &stdout {
				t.Fatal("not writing to stdout")
			}
			if warned := strings.Contains(logs.String(), "named pipe unusable"); warned != tc.warns {
				t.Fatalf("warned = %v, want %v: %s", warned, tc.warns, logs.String())
			}
		})
	}
}

// TestConfigErrorsListEveryProblem: values that the reference would
// replace by a default (with a warning nobody reads) are errors here, all
// reported at once.
func TestConfigErrorsListEveryProblem(t *testing.T) {
	o := Options{
		GzipLevel:    12,
		Level:        "loud",
		Output:       "file",
		MaxLineBytes: -5,
		Getenv: env(
			EnvCompressionLevel, "6x",
			EnvLogLevel, "verbose",
			EnvOutputType, "socket",
			EnvMaxLineBytes, "200k",
			EnvHeaders, "no-equals",
			EnvTemporality, "sometimes",
			EnvHistogram, "linear",
		),
	}
	_, err := NewMetrics(o)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"Options.GzipLevel 12", "Options.Level", `"loud"`, EnvCompressionLevel, `"6x"`, EnvLogLevel, `"verbose"`,
		EnvOutputType, `"socket"`, EnvHeaders, EnvTemporality, EnvHistogram,
		"Options.MaxLineBytes -5", EnvMaxLineBytes, `"200k"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
	// The metric variables concern the metric exporter only.
	o.GzipLevel, o.Level, o.Output, o.MaxLineBytes = 0, "", "", 0
	o.Getenv = env(EnvTemporality, "sometimes")
	if _, err := NewSpans(o); err != nil {
		t.Fatalf("span exporter read a metric variable: %v", err)
	}
	if _, err := NewLogs(o); err != nil {
		t.Fatalf("log exporter read a metric variable: %v", err)
	}
}

func TestMetricsSelectors(t *testing.T) {
	for _, tc := range []struct {
		env  string
		kind metric.InstrumentKind
		want metricdata.Temporality
	}{
		{"", metric.InstrumentKindCounter, metricdata.CumulativeTemporality},
		{"delta", metric.InstrumentKindCounter, metricdata.DeltaTemporality},
		{"delta", metric.InstrumentKindUpDownCounter, metricdata.CumulativeTemporality},
		{"lowmemory", metric.InstrumentKindObservableCounter, metricdata.CumulativeTemporality},
		{"lowmemory", metric.InstrumentKindHistogram, metricdata.DeltaTemporality},
		{"CUMULATIVE", metric.InstrumentKindHistogram, metricdata.CumulativeTemporality},
	} {
		exp, err := NewMetrics(Options{Writer: &bytes.Buffer{}, Getenv: env(EnvTemporality, tc.env),
			Temporality: metric.DeltaTemporalitySelector})
		if err != nil {
			t.Fatal(err)
		}
		want := tc.want
		if tc.env == "" {
			want = metric.DeltaTemporalitySelector(tc.kind) // the option, when the variable is unset
		}
		if got := exp.Temporality(tc.kind); got != want {
			t.Errorf("%q %v: %v, want %v", tc.env, tc.kind, got, want)
		}
	}
	exp, err := NewMetrics(Options{Writer: &bytes.Buffer{}, Getenv: env(EnvHistogram, "base2_exponential_bucket_histogram")})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := exp.Aggregation(metric.InstrumentKindHistogram).(metric.AggregationBase2ExponentialHistogram); !ok {
		t.Error("histograms are not exponential")
	}
	if _, ok := exp.Aggregation(metric.InstrumentKindCounter).(metric.AggregationSum); !ok {
		t.Error("counters are not sums")
	}
}

// TestVersionOption: the written version is the reference's unless set.
func TestVersionOption(t *testing.T) {
	var out buffer
	exp, err := NewLogs(Options{Writer: &out, Version: "otlpfwd-go@1.0.0", Getenv: env()})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Export(context.Background(), testRecords(t)); err != nil {
		t.Fatal(err)
	}
	msg, err := otlpstdout.Decode(out.lines(t)[0], otlpstdout.Options{})
	if err != nil || msg.Version != "otlpfwd-go@1.0.0" {
		t.Fatalf("version %q, %v", msg.Version, err)
	}
}
