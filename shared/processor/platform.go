package processor

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	colmetrics "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/slim/otlp/metrics/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// Metrics made from REPORT lines: one gauge data point per invocation, at
// the time of the log event. Durations are in seconds and memory in bytes,
// as OpenTelemetry's semantic conventions ask; REPORT's "MB" is MiB (the
// conventions' faas.max_memory: "multiplied by 1,048,576"). The names are
// in an aws.lambda.* namespace rather than the conventions' faas.*
// because those are histograms aggregated in process
// (faas.invoke_duration, faas.mem_usage): a per-invocation gauge under the
// same name would clash with them in a backend.
const (
	MetricDuration              = "aws.lambda.duration"
	MetricBilledDuration        = "aws.lambda.billed_duration"
	MetricMemorySize            = "aws.lambda.memory_size"
	MetricMaxMemoryUsed         = "aws.lambda.max_memory_used"
	MetricInitDuration          = "aws.lambda.init_duration"
	MetricRestoreDuration       = "aws.lambda.restore_duration"
	MetricBilledRestoreDuration = "aws.lambda.billed_restore_duration"
)

// PlatformScope names the instrumentation scope of the metrics.
const PlatformScope = "otlpfwd/lambda-platform"

const mib = 1 << 20

// LambdaPlatform turns Lambda's REPORT lines into OTLP metrics, from both
// log formats: text ("REPORT RequestId: ...\tDuration: 12.34 ms\t...") and
// JSON ({"time":...,"type":"platform.report","record":{...}}). The function
// name (from the log group /aws/lambda/<name>) and version (from the log
// stream "2026/11/24/[$LATEST]...") are resource attributes, with
// service.name the function name (see LineSource).
type LambdaPlatform struct{}

// Name returns "lambda-platform".
func (LambdaPlatform) Name() string { return "lambda-platform" }

// report is what one REPORT line says: durations in milliseconds (NaN
// when absent), memory in MB, which Lambda means as MiB (-1 when absent).
type report struct {
	requestID                                      string
	duration, billed, init, restore, billedRestore float64
	memory, maxMem                                 int64
}

// maxMB bounds memory values (Lambda allows up to 10,240 MB).
const maxMB = 1 << 30

// Process turns a REPORT line into a metrics request.
func (p LambdaPlatform) Process(ev *Event, dst []Telemetry) ([]Telemetry, error) {
	line := trimLine(ev.Message)
	var r report
	var err error
	switch {
	case strings.HasPrefix(line, "REPORT RequestId: "):
		r, err = parseTextReport(line)
	case len(line) > 0 && line[0] == '{' && strings.Contains(line, `"platform.report"`):
		r, err = parseJSONReport(line)
	default:
		return dst, ErrNotMine
	}
	if errors.Is(err, ErrNotMine) {
		return dst, err
	}
	if err != nil {
		return dst, fmt.Errorf("REPORT line: %w", err)
	}
	b, err := proto.Marshal(r.request(ev))
	if err != nil {
		return dst, fmt.Errorf("encode metrics: %w", err)
	}
	return append(dst, Telemetry{
		Signal: otlp.Metrics, Source: LineSource(ev.LogGroup), Proto: b,
		Processor: p.Name(), Mergeable: true,
	}), nil
}

func newReport() report {
	nan := math.NaN()
	return report{duration: nan, billed: nan, init: nan, restore: nan, billedRestore: nan, memory: -1, maxMem: -1}
}

// parseTextReport reads the text format. Fields are "Label: value[ unit]"
// separated by tabs (the X-Ray fields may follow on a second line); lines
// copied with spaces for tabs parse too. Unknown labels are ignored.
func parseTextReport(line string) (report, error) {
	r := newReport()
	toks := strings.Fields(line[len("REPORT "):])
	var label []string
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !strings.HasSuffix(t, ":") {
			label = append(label, t)
			continue
		}
		label = append(label, strings.TrimSuffix(t, ":"))
		name := strings.Join(label, " ")
		label = label[:0]
		if i+1 >= len(toks) {
			return r, fmt.Errorf("%s has no value", name)
		}
		i++
		val := toks[i]
		unit := ""
		if i+1 < len(toks) && isUnit(toks[i+1]) {
			i++
			unit = toks[i]
		}
		if err := r.set(name, val, unit); err != nil {
			return r, err
		}
	}
	return r, r.check()
}

func isUnit(s string) bool { return s == "ms" || s == "MB" || s == "s" }

// set records one text field.
func (r *report) set(name, val, unit string) error {
	var ms *float64
	var mb *int64
	switch name {
	case "RequestId":
		r.requestID = val
		return nil
	case "Duration":
		ms = &r.duration
	case "Billed Duration":
		ms = &r.billed
	case "Init Duration":
		ms = &r.init
	case "Restore Duration":
		ms = &r.restore
	case "Billed Restore Duration":
		ms = &r.billedRestore
	case "Memory Size":
		mb = &r.memory
	case "Max Memory Used":
		mb = &r.maxMem
	default:
		return nil // XRAY TraceId, SegmentId, Sampled, Status, Error Type...
	}
	want := "ms"
	if mb != nil {
		want = "MB"
	}
	if unit != want {
		return fmt.Errorf("%s %q: unit %q, want %q", name, val, unit, want)
	}
	f, err := strconv.ParseFloat(val, 64)
	if err != nil {
		return fmt.Errorf("%s %q is not a number of %s", name, val, want)
	}
	return r.store(name, f, ms, mb)
}

// store checks and records one value into ms or mb.
func (r *report) store(name string, f float64, ms *float64, mb *int64) error {
	if f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || (mb != nil && f > maxMB) {
		return fmt.Errorf("%s %v is out of range", name, f)
	}
	if ms != nil {
		*ms = f
	} else {
		*mb = int64(math.Round(f))
	}
	return nil
}

func (r *report) check() error {
	if r.requestID == "" {
		return errors.New("no RequestId")
	}
	if math.IsNaN(r.duration) {
		return fmt.Errorf("request %s: no Duration", r.requestID)
	}
	return nil
}

// jsonReport is the platform.report event of the Telemetry API, which the
// JSON log format writes as is
// (https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html#platform-report).
type jsonReport struct {
	Type   string `json:"type"`
	Record *struct {
		RequestID string `json:"requestId"`
		Metrics   *struct {
			DurationMs        *float64 `json:"durationMs"`
			BilledDurationMs  *float64 `json:"billedDurationMs"`
			MemorySizeMB      *float64 `json:"memorySizeMB"`
			MaxMemoryUsedMB   *float64 `json:"maxMemoryUsedMB"`
			InitDurationMs    *float64 `json:"initDurationMs"`
			RestoreDurationMs *float64 `json:"restoreDurationMs"`
		} `json:"metrics"`
	} `json:"record"`
}

func parseJSONReport(line string) (report, error) {
	r := newReport()
	var j jsonReport
	err := json.Unmarshal([]byte(line), &j)
	var typeErr *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &typeErr) {
		return r, ErrNotMine // not JSON, so not Lambda's: an application line
	}
	if j.Type != "platform.report" {
		return r, ErrNotMine
	}
	if err != nil {
		return r, fmt.Errorf("platform.report: %w", err)
	}
	if j.Record == nil || j.Record.Metrics == nil {
		return r, errors.New("platform.report without record.metrics")
	}
	m := j.Record.Metrics
	r.requestID = j.Record.RequestID
	for _, f := range []struct {
		name string
		v    *float64
		ms   *float64
		mb   *int64
	}{
		{"durationMs", m.DurationMs, &r.duration, nil},
		{"billedDurationMs", m.BilledDurationMs, &r.billed, nil},
		{"initDurationMs", m.InitDurationMs, &r.init, nil},
		{"restoreDurationMs", m.RestoreDurationMs, &r.restore, nil},
		{"memorySizeMB", m.MemorySizeMB, nil, &r.memory},
		{"maxMemoryUsedMB", m.MaxMemoryUsedMB, nil, &r.maxMem},
	} {
		if f.v == nil {
			continue
		}
		if err := r.store("platform.report "+f.name, *f.v, f.ms, f.mb); err != nil {
			return r, err
		}
	}
	return r, r.check()
}

// request builds the metrics request of one REPORT line.
func (r *report) request(ev *Event) *colmetrics.ExportMetricsServiceRequest {
	ts := unixNano(ev)
	ms := make([]*metricspb.Metric, 0, 7)
	seconds := func(name, desc string, millis float64) {
		if !math.IsNaN(millis) {
			ms = append(ms, gauge(name, desc, "s", &metricspb.NumberDataPoint{TimeUnixNano: ts, Value: &metricspb.NumberDataPoint_AsDouble{AsDouble: millis / 1000}}))
		}
	}
	bytes := func(name, desc string, mb int64) {
		if mb >= 0 {
			ms = append(ms, gauge(name, desc, "By", &metricspb.NumberDataPoint{TimeUnixNano: ts, Value: &metricspb.NumberDataPoint_AsInt{AsInt: mb * mib}}))
		}
	}
	seconds(MetricDuration, "Time the handler ran (REPORT Duration).", r.duration)
	seconds(MetricBilledDuration, "Time billed for the invocation (REPORT Billed Duration).", r.billed)
	bytes(MetricMemorySize, "Memory configured for the function (REPORT Memory Size).", r.memory)
	bytes(MetricMaxMemoryUsed, "Most memory the execution environment used (REPORT Max Memory Used).", r.maxMem)
	seconds(MetricInitDuration, "Time the runtime took to initialize on a cold start (REPORT Init Duration).", r.init)
	seconds(MetricRestoreDuration, "Time SnapStart took to restore the snapshot (REPORT Restore Duration).", r.restore)
	seconds(MetricBilledRestoreDuration, "Restore time billed (REPORT Billed Restore Duration).", r.billedRestore)
	return &colmetrics.ExportMetricsServiceRequest{ResourceMetrics: []*metricspb.ResourceMetrics{{
		Resource: lineResource(ev),
		ScopeMetrics: []*metricspb.ScopeMetrics{{
			Scope:   &commonpb.InstrumentationScope{Name: PlatformScope},
			Metrics: ms,
		}},
	}}}
}

func gauge(name, desc, unit string, dp *metricspb.NumberDataPoint) *metricspb.Metric {
	return &metricspb.Metric{Name: name, Description: desc, Unit: unit,
		Data: &metricspb.Metric_Gauge{Gauge: &metricspb.Gauge{DataPoints: []*metricspb.NumberDataPoint{dp}}}}
}

// unixNano is the event's time in nanoseconds, 0 (unknown) when unset.
func unixNano(ev *Event) uint64 {
	if ev.Time.IsZero() || ev.Time.UnixNano() <= 0 {
		return 0
	}
	return uint64(ev.Time.UnixNano())
}
