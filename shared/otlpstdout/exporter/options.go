package exporter

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/sdk/metric"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
)

// Environment variables read by the constructors. The names are the
// reference exporters'; the per-signal header variables and the metric
// variables are the OpenTelemetry specification's; EnvMaxLineBytes is this
// package's own, named like the reference's.
const (
	EnvServiceName        = "OTEL_SERVICE_NAME"
	EnvLambdaFunctionName = "AWS_LAMBDA_FUNCTION_NAME"
	EnvHeaders            = "OTEL_EXPORTER_OTLP_HEADERS"
	EnvTracesHeaders      = "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
	EnvMetricsHeaders     = "OTEL_EXPORTER_OTLP_METRICS_HEADERS"
	EnvLogsHeaders        = "OTEL_EXPORTER_OTLP_LOGS_HEADERS"
	EnvCompressionLevel   = "OTLP_STDOUT_SPAN_EXPORTER_COMPRESSION_LEVEL"
	EnvLogLevel           = "OTLP_STDOUT_SPAN_EXPORTER_LOG_LEVEL"
	EnvOutputType         = "OTLP_STDOUT_SPAN_EXPORTER_OUTPUT_TYPE"
	EnvMaxLineBytes       = "OTLP_STDOUT_SPAN_EXPORTER_MAX_LINE_BYTES"
	EnvTemporality        = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"
	EnvHistogram          = "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION"
)

// DefaultPipePath is the named pipe the reference exporters write to.
const DefaultPipePath = "/tmp/otlp-stdout-span-exporter.pipe"

// Level is the envelope's "level", for filtering in log systems.
type Level string

// Levels, as the reference writes them.
const (
	LevelDebug Level = "DEBUG"
	LevelInfo  Level = "INFO"
	LevelWarn  Level = "WARN"
	LevelError Level = "ERROR"
)

// Output is where lines go.
type Output string

// Outputs.
const (
	OutputStdout Output = "stdout"
	OutputPipe   Output = "pipe"
)

// DefaultMaxLineBytes is the default Options.MaxLineBytes, 200 KiB. AWS
// Lambda cuts stdout into CloudWatch Logs events of at most 256 KiB, and a
// line cut in pieces cannot be decoded; the rest leaves room for Lambda's
// JSON log format, which wraps each line in an object.
const DefaultMaxLineBytes = 200 << 10

// NoLineLimit, as Options.MaxLineBytes, writes every export as one line
// whatever its length, as the reference does.
const NoLineLimit = -1

// GzipStored, as Options.GzipLevel, writes gzip level 0 (stored blocks, no
// compression).
const GzipStored = -1

// Options configures an exporter. The zero value writes what the reference
// exporters write with the same environment. Where an environment variable
// is set (non-empty) it wins over the option, as in the reference.
type Options struct {
	// Source is the service name, used when OTEL_SERVICE_NAME is not set;
	// "" means AWS_LAMBDA_FUNCTION_NAME, then "unknown-service".
	Source string
	// Headers are written as the envelope's headers, below those of the
	// environment (which win per name). Names are written in sorted order;
	// content-type and content-encoding are dropped (the envelope fixes
	// them).
	Headers map[string]string
	// GzipLevel is the gzip level, 1-9; 0 means 6, the reference's default;
	// GzipStored means level 0.
	GzipLevel int
	// Level is written as the envelope's "level" (any case); "" leaves it out.
	Level Level
	// Output is OutputStdout (the default for "") or OutputPipe.
	Output Output
	// PipePath is the named pipe for OutputPipe; "" means DefaultPipePath.
	PipePath string
	// MaxLineBytes caps the length of a line, newline included: an export
	// whose line would be longer is split between resources, scopes and
	// items into several requests, one line each, within the cap. An item
	// (span, log record, metric) too long for a line of its own is still
	// written, alone on a longer line, with a warning: a line that may be
	// cut beats data surely dropped. 0 means DefaultMaxLineBytes;
	// NoLineLimit means no cap.
	MaxLineBytes int
	// Writer, when set, receives every line instead of stdout or the pipe
	// (OTLP_STDOUT_SPAN_EXPORTER_OUTPUT_TYPE is then ignored). It is written
	// one whole line per Write, under the package's lock.
	Writer io.Writer
	// Version is written as __otel_otlp_stdout; "" means
	// otlpstdout.FormatVersion, the reference's version whose format this
	// package writes.
	Version string
	// Logger receives warnings (pipe missing, falling back to stdout; an
	// item too long for a line); nil means slog.Default().
	Logger *slog.Logger
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string

	// Temporality (metrics only) picks the temporality per instrument kind;
	// nil means cumulative (metric.DefaultTemporalitySelector).
	Temporality metric.TemporalitySelector
	// Aggregation (metrics only) picks the aggregation per instrument kind;
	// nil means metric.DefaultAggregationSelector.
	Aggregation metric.AggregationSelector
}

// config is Options resolved against the environment for one signal.
type config struct {
	signal      otlp.Signal
	meta        otlpstdout.Meta
	gzip        int
	maxLine     int // 0: no cap
	out         sink
	log         *slog.Logger
	temporality metric.TemporalitySelector
	aggregation metric.AggregationSelector
}

// newConfig resolves o for sig. stdout is where stdout lines go (os.Stdout
// outside tests). Every problem is reported, joined.
func newConfig(sig otlp.Signal, o Options, stdout io.Writer) (config, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	c := config{signal: sig, temporality: o.Temporality, aggregation: o.Aggregation, log: log}
	var errs []error

	c.meta.Version = o.Version
	c.meta.Source = firstNonEmpty(getenv(EnvServiceName), o.Source, getenv(EnvLambdaFunctionName), otlpstdout.DefaultSource)

	hs, err := headers(sig, o.Headers, getenv)
	if err != nil {
		errs = append(errs, err)
	}
	c.meta.Headers = hs

	c.gzip = otlpstdout.DefaultGzipLevel
	switch {
	case o.GzipLevel == GzipStored:
		c.gzip = 0
	case o.GzipLevel >= 1 && o.GzipLevel <= otlpstdout.MaxGzipLevel:
		c.gzip = o.GzipLevel
	case o.GzipLevel != 0:
		errs = append(errs, fmt.Errorf("Options.GzipLevel %d: want 1-9, or GzipStored for 0", o.GzipLevel))
	}
	if v := getenv(EnvCompressionLevel); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < otlpstdout.MinGzipLevel || n > otlpstdout.MaxGzipLevel {
			errs = append(errs, fmt.Errorf("%s=%q: want an integer 0-9", EnvCompressionLevel, v))
		} else {
			c.gzip = n
		}
	}

	if o.Level != "" {
		l, err := parseLevel(string(o.Level))
		if err != nil {
			errs = append(errs, fmt.Errorf("Options.Level: %w", err))
		}
		c.meta.Level = string(l)
	}
	if v := getenv(EnvLogLevel); v != "" {
		l, err := parseLevel(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvLogLevel, err))
		}
		c.meta.Level = string(l)
	}

	c.maxLine = DefaultMaxLineBytes
	switch {
	case o.MaxLineBytes == NoLineLimit:
		c.maxLine = 0
	case o.MaxLineBytes > 0:
		c.maxLine = o.MaxLineBytes
	case o.MaxLineBytes != 0:
		errs = append(errs, fmt.Errorf("Options.MaxLineBytes %d: want a positive length, or NoLineLimit", o.MaxLineBytes))
	}
	if v := getenv(EnvMaxLineBytes); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a length in bytes, or 0 for no cap", EnvMaxLineBytes, v))
		} else {
			c.maxLine = n
		}
	}

	output := o.Output
	if output == "" {
		output = OutputStdout
	}
	if v := getenv(EnvOutputType); v != "" {
		output = Output(strings.ToLower(strings.TrimSpace(v)))
		if output != OutputStdout && output != OutputPipe {
			errs = append(errs, fmt.Errorf("%s=%q: want stdout or pipe", EnvOutputType, v))
		}
	} else if output != OutputStdout && output != OutputPipe {
		errs = append(errs, fmt.Errorf("Options.Output %q: want stdout or pipe", o.Output))
	}

	if sig == otlp.Metrics {
		if err := c.metricEnv(getenv); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return config{}, fmt.Errorf("otlp-stdout %s exporter: %w", sig, errors.Join(errs...))
	}

	switch {
	case o.Writer != nil:
		c.out = &writerSink{w: o.Writer}
	case output == OutputPipe:
		path := o.PipePath
		if path == "" {
			path = DefaultPipePath
		}
		std := &writerSink{w: stdout}
		// As the reference: the pipe's existence is checked once; without
		// it every line goes to stdout.
		if _, err := os.Stat(path); err != nil {
			log.Warn("otlp-stdout exporter: named pipe unusable, writing to stdout", "signal", sig.String(), "path", path, "err", err)
			c.out = std
		} else {
			c.out = &pipeSink{path: path, fallback: std, log: log, signal: sig}
		}
	default:
		c.out = &writerSink{w: stdout}
	}
	return c, nil
}

// metricEnv applies the specification's metric exporter variables.
func (c *config) metricEnv(getenv func(string) string) error {
	var errs []error
	if v := getenv(EnvTemporality); v != "" {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "cumulative":
			c.temporality = metric.CumulativeTemporalitySelector
		case "delta":
			c.temporality = metric.DeltaTemporalitySelector
		case "lowmemory":
			c.temporality = metric.LowMemoryTemporalitySelector
		default:
			errs = append(errs, fmt.Errorf("%s=%q: want cumulative, delta or lowmemory", EnvTemporality, v))
		}
	}
	if v := getenv(EnvHistogram); v != "" {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "explicit_bucket_histogram":
			c.aggregation = metric.DefaultAggregationSelector
		case "base2_exponential_bucket_histogram":
			c.aggregation = func(k metric.InstrumentKind) metric.Aggregation {
				if k == metric.InstrumentKindHistogram {
					return metric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}
				}
				return metric.DefaultAggregationSelector(k)
			}
		default:
			errs = append(errs, fmt.Errorf("%s=%q: want explicit_bucket_histogram or base2_exponential_bucket_histogram", EnvHistogram, v))
		}
	}
	if c.temporality == nil {
		c.temporality = metric.DefaultTemporalitySelector
	}
	if c.aggregation == nil {
		c.aggregation = metric.DefaultAggregationSelector
	}
	return errors.Join(errs...)
}

// parseLevel accepts what the reference accepts: debug, info, warn or
// warning, error, in any case.
func parseLevel(v string) (Level, error) {
	switch strings.ToLower(v) {
	case "debug":
		return LevelDebug, nil
	case "info":
		return LevelInfo, nil
	case "warn", "warning":
		return LevelWarn, nil
	case "error":
		return LevelError, nil
	}
	return "", fmt.Errorf("level %q: want debug, info, warn or error", v)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// signalHeadersEnv is the per-signal header variable.
func signalHeadersEnv(sig otlp.Signal) string {
	switch sig {
	case otlp.Metrics:
		return EnvMetricsHeaders
	case otlp.Logs:
		return EnvLogsHeaders
	}
	return EnvTracesHeaders
}

// headers merges, in this order and each overriding the one before, the
// options' headers (sorted by name), OTEL_EXPORTER_OTLP_HEADERS and the
// signal's own variable, and orders them as a JavaScript object would.
func headers(sig otlp.Signal, opt map[string]string, getenv func(string) string) ([]otlpstdout.Header, error) {
	var hs headerList
	names := make([]string, 0, len(opt))
	for k := range opt {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !fixedHeader(k) {
			hs.set(k, opt[k])
		}
	}
	var errs []error
	for _, name := range []string{EnvHeaders, signalHeadersEnv(sig)} {
		v := getenv(name)
		if v == "" {
			continue
		}
		if err := hs.parse(v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return hs.jsOrder(), errors.Join(errs...)
}
