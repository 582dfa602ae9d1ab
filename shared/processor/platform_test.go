package processor

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	colmetrics "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/slim/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/slim/otlp/resource/v1"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// point is a metric as the tests expect it: a value in seconds (float64)
// or bytes (int64).
type point struct {
	name string
	val  any
}

func ts() uint64 { return uint64(eventTime.UnixNano()) }

func wantMetrics(points ...point) *colmetrics.ExportMetricsServiceRequest {
	desc := map[string]string{
		MetricDuration:              "Time the handler ran (REPORT Duration).",
		MetricBilledDuration:        "Time billed for the invocation (REPORT Billed Duration).",
		MetricMemorySize:            "Memory configured for the function (REPORT Memory Size).",
		MetricMaxMemoryUsed:         "Most memory the execution environment used (REPORT Max Memory Used).",
		MetricInitDuration:          "Time the runtime took to initialize on a cold start (REPORT Init Duration).",
		MetricRestoreDuration:       "Time SnapStart took to restore the snapshot (REPORT Restore Duration).",
		MetricBilledRestoreDuration: "Restore time billed (REPORT Billed Restore Duration).",
	}
	var ms []*metricspb.Metric
	for _, p := range points {
		dp := &metricspb.NumberDataPoint{TimeUnixNano: ts()}
		unit := "s"
		switch v := p.val.(type) {
		case float64:
			dp.Value = &metricspb.NumberDataPoint_AsDouble{AsDouble: v}
		case int64:
			dp.Value, unit = &metricspb.NumberDataPoint_AsInt{AsInt: v}, "By"
		}
		ms = append(ms, &metricspb.Metric{Name: p.name, Description: desc[p.name], Unit: unit,
			Data: &metricspb.Metric_Gauge{Gauge: &metricspb.Gauge{DataPoints: []*metricspb.NumberDataPoint{dp}}}})
	}
	return &colmetrics.ExportMetricsServiceRequest{ResourceMetrics: []*metricspb.ResourceMetrics{{
		Resource: &resourcepb.Resource{Attributes: lambdaResource()},
		ScopeMetrics: []*metricspb.ScopeMetrics{{
			Scope:   &commonpb.InstrumentationScope{Name: PlatformScope},
			Metrics: ms,
		}},
	}}}
}

// TestLambdaPlatformFixtures checks every field of the metrics made from
// the documented REPORT shapes, text and JSON.
func TestLambdaPlatformFixtures(t *testing.T) {
	in := cases(t, "lambda-platform.json")
	const mb = 1 << 20
	tests := []struct {
		name string
		want []point
	}{
		{"text-cold", []point{{MetricDuration, 0.01574}, {MetricBilledDuration, 0.016}, {MetricMemorySize, int64(128 * mb)},
			{MetricMaxMemoryUsed, int64(56 * mb)}, {MetricInitDuration, 0.13049}}},
		{"text-warm", []point{{MetricDuration, 0.00227}, {MetricBilledDuration, 0.003}, {MetricMemorySize, int64(128 * mb)},
			{MetricMaxMemoryUsed, int64(67 * mb)}}},
		{"text-snapstart", []point{{MetricDuration, 0.02193}, {MetricBilledDuration, 0.419}, {MetricMemorySize, int64(2048 * mb)},
			{MetricMaxMemoryUsed, int64(159 * mb)}, {MetricRestoreDuration, 0.3387}, {MetricBilledRestoreDuration, 0.397}}},
		{"text-timeout", []point{{MetricDuration, 3.0}, {MetricBilledDuration, 3.0}, {MetricMemorySize, int64(128 * mb)},
			{MetricMaxMemoryUsed, int64(41 * mb)}}},
		{"text-spaces", []point{{MetricDuration, 0.15815}, {MetricBilledDuration, 0.2}, {MetricMemorySize, int64(128 * mb)},
			{MetricMaxMemoryUsed, int64(38 * mb)}}},
		{"json", []point{{MetricDuration, 0.00123}, {MetricBilledDuration, 0.002}, {MetricMemorySize, int64(256 * mb)},
			{MetricMaxMemoryUsed, int64(64 * mb)}, {MetricInitDuration, 0.0002}}},
		{"json-snapstart", []point{{MetricDuration, 0.02193}, {MetricBilledDuration, 0.419}, {MetricMemorySize, int64(2048 * mb)},
			{MetricMaxMemoryUsed, int64(159 * mb)}, {MetricRestoreDuration, 0.3387}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel := one(t, LambdaPlatform{}, lambdaEvent(in[tt.name]))
			if tel.Signal != otlp.Metrics || tel.Source != "checkout-api" || tel.Processor != "lambda-platform" || !tel.Mergeable || tel.PlainLogs {
				t.Fatalf("telemetry %+v", tel)
			}
			if tel.Stats != (otlp.Stats{Resources: 1, Scopes: 1, Items: len(tt.want)}) {
				t.Fatalf("stats %+v, want %d points", tel.Stats, len(tt.want))
			}
			got := decodeMetrics(t, tel.Proto)
			// Milliseconds / 1000 is not always the nearest double of the
			// decimal: compare the values within a nanosecond, then the rest exactly.
			for i, m := range got.ResourceMetrics[0].ScopeMetrics[0].Metrics {
				if i < len(tt.want) {
					if f, ok := tt.want[i].val.(float64); ok {
						dp := m.GetGauge().GetDataPoints()[0]
						if d := dp.GetAsDouble() - f; d > 1e-9 || d < -1e-9 {
							t.Fatalf("%s = %v, want %v", m.Name, dp.GetAsDouble(), f)
						}
						dp.Value = &metricspb.NumberDataPoint_AsDouble{AsDouble: f}
					}
				}
			}
			sameProto(t, tt.name, got, wantMetrics(tt.want...))
		})
	}
}

func TestLambdaPlatformResource(t *testing.T) {
	msg := cases(t, "lambda-platform.json")["text-warm"]
	for _, tt := range []struct {
		group, stream string
		want          []*commonpb.KeyValue
	}{
		{"/aws/lambda/inventory-worker", "2026/11/24/[7]3abbdd517ebf75bac326a014ae17db4a", []*commonpb.KeyValue{
			kvStr("service.name", "inventory-worker"), kvStr("faas.name", "inventory-worker"), kvStr("faas.version", "7"),
			kvStr("cloud.platform", "aws_lambda"), kvStr("cloud.provider", "aws"),
			kv("aws.log.group.names", arr(strValue("/aws/lambda/inventory-worker"))),
			kv("aws.log.stream.names", arr(strValue("2026/11/24/[7]3abbdd517ebf75bac326a014ae17db4a"))),
		}},
		// A custom log group (advanced logging controls) says nothing of
		// the function: it is the source, and no faas.* attributes.
		{"/shared/app-logs", "2026/11/24/[$LATEST]abc", []*commonpb.KeyValue{
			kvStr("service.name", "/shared/app-logs"), kvStr("cloud.provider", "aws"),
			kv("aws.log.group.names", arr(strValue("/shared/app-logs"))),
			kv("aws.log.stream.names", arr(strValue("2026/11/24/[$LATEST]abc"))),
		}},
	} {
		ev := &Event{LogGroup: tt.group, LogStream: tt.stream, Time: eventTime, Message: msg}
		tel := one(t, LambdaPlatform{}, ev)
		if tel.Source != LineSource(tt.group) {
			t.Fatalf("source %q", tel.Source)
		}
		sameProto(t, tt.group, decodeMetrics(t, tel.Proto).ResourceMetrics[0].Resource, &resourcepb.Resource{Attributes: tt.want})
	}
}

func TestLambdaPlatformNotMine(t *testing.T) {
	for _, msg := range []string{
		"START RequestId: 0cce2b6e Version: $LATEST",
		"END RequestId: 0cce2b6e",
		"REPORTING for duty",
		"2026-11-24T11:15:30.003Z\t0cce2b6e\tINFO\tREPORT RequestId: in a message",
		`{"time":"2022-10-12T00:01:15.000Z","type":"platform.start","record":{"requestId":"6d68"}}`,
		`{"timestamp":"2023-10-27T19:17:45.586Z","level":"INFO","message":"type platform.report"}`,
		`{"time":"x","type":"platform.reportx","record":{}}`,
		`{"time":"2022-10-12T00:01:15.000Z","type":"platform.report","record":`, // not JSON: not Lambda's
		`{"msg":"platform.report", "type": "app"}`,
	} {
		if _, err := (LambdaPlatform{}).Process(lambdaEvent(msg), nil); !errors.Is(err, ErrNotMine) {
			t.Fatalf("%q: error %v, want ErrNotMine", msg, err)
		}
	}
}

func TestLambdaPlatformDamaged(t *testing.T) {
	tests := []struct{ msg, errHas string }{
		{"REPORT RequestId: 1\tDuration: abc ms", "Duration"},
		{"REPORT RequestId: 1\tDuration: 12 s", `unit "s"`},
		{"REPORT RequestId: 1\tDuration: 12", `unit ""`},
		{"REPORT RequestId: 1\tMemory Size: 128 MB", "no Duration"},
		{"REPORT RequestId: \t\n", "RequestId has no value"},
		{"REPORT RequestId: 1\tDuration: -3 ms", "out of range"},
		{"REPORT RequestId: 1\tDuration: 1 ms\tMax Memory Used: 1e30 MB", "out of range"},
		{`{"time":"2022-10-12T00:01:15.000Z","type":"platform.report","record":{"requestId":"1"}}`, "without record.metrics"},
		{`{"time":"2022-10-12T00:01:15.000Z","type":"platform.report","record":{"requestId":"1","metrics":{"billedDurationMs":2}}}`, "no Duration"},
		{`{"time":"2022-10-12T00:01:15.000Z","type":"platform.report","record":{"requestId":"1","metrics":{"durationMs":"x"}}}`, "platform.report"},
	}
	for _, tt := range tests {
		_, err := (LambdaPlatform{}).Process(lambdaEvent(tt.msg), nil)
		if err == nil || errors.Is(err, ErrNotMine) || !strings.Contains(err.Error(), tt.errHas) {
			t.Fatalf("%q: error %v, want one mentioning %q", tt.msg, err, tt.errHas)
		}
	}
}

func TestFunctionNameAndVersion(t *testing.T) {
	for _, tt := range []struct{ group, stream, name, version string }{
		{"/aws/lambda/checkout-api", "2026/11/24/[$LATEST]05c1", "checkout-api", "$LATEST"},
		{"/aws/lambda/us-east-1.edge-fn", "2026/11/24/[12]abcd", "us-east-1.edge-fn", "12"},
		{"/aws/lambda/", "2026/11/24/[]abcd", "", ""},
		{"/aws/lambda/a/b", "no brackets", "", ""},
		{"aws/spans", "2026/11/24/[x", "", ""},
	} {
		if got := FunctionName(tt.group); got != tt.name {
			t.Fatalf("FunctionName(%q) = %q, want %q", tt.group, got, tt.name)
		}
		if got := FunctionVersion(tt.stream); got != tt.version {
			t.Fatalf("FunctionVersion(%q) = %q, want %q", tt.stream, got, tt.version)
		}
	}
}

func ExampleLineSource() {
	fmt.Println(LineSource("/aws/lambda/checkout-api"))
	fmt.Println(LineSource("/ecs/orders"))
	// Output:
	// checkout-api
	// /ecs/orders
}
