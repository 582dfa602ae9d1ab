package processor

import (
	"encoding/json"
	"strings"

	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/slim/otlp/resource/v1"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// lambdaLogGroupPrefix starts the log group Lambda creates for a function.
const lambdaLogGroupPrefix = "/aws/lambda/"

// FunctionName returns <name> of a Lambda log group "/aws/lambda/<name>",
// or "" for any other log group (functions may log to a custom group,
// whose name then says nothing about them).
func FunctionName(logGroup string) string {
	name, ok := strings.CutPrefix(logGroup, lambdaLogGroupPrefix)
	if !ok || name == "" || strings.Contains(name, "/") {
		return ""
	}
	return name
}

// FunctionVersion returns the version in a Lambda log stream name,
// "2026/11/24/[$LATEST]0a1b2c..." -> "$LATEST", "2026/11/24/[7]0a1b..." ->
// "7", or "" when the name is not of that shape.
func FunctionVersion(logStream string) string {
	i := strings.IndexByte(logStream, '[')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(logStream[i:], ']')
	if j <= 1 {
		return ""
	}
	return logStream[i+1 : i+j]
}

// LineSource is the source (service name) of the telemetry that the
// lambda-platform and plain-logs processors make from a log group's lines:
// the function name for a Lambda log group, else the log group name.
// Callers deciding whether anyone wants plain logs from a log group match
// collectors' source rules against it (route.Table.PlainLogs).
func LineSource(logGroup string) string {
	if fn := FunctionName(logGroup); fn != "" {
		return fn
	}
	return logGroup
}

// lineResource is the resource of telemetry made from the lines of ev's
// log group: service.name, the function's name and version when it is a
// Lambda log group, and where the lines were logged (otlp.AWSResource).
func lineResource(ev *Event) *resourcepb.Resource {
	fn := FunctionName(ev.LogGroup)
	attrs := make([]*commonpb.KeyValue, 0, 10)
	attrs = append(attrs, strAttr("service.name", LineSource(ev.LogGroup)))
	if fn != "" {
		attrs = append(attrs, strAttr("faas.name", fn))
		if v := FunctionVersion(ev.LogStream); v != "" {
			attrs = append(attrs, strAttr("faas.version", v))
		}
		attrs = append(attrs, strAttr("cloud.platform", "aws_lambda"))
	}
	for _, a := range otlp.AWSResource(ev.Owner, ev.Region, ev.LogGroup, ev.LogStream) {
		if a.Strs == nil {
			attrs = append(attrs, strAttr(a.Key, a.Str))
			continue
		}
		vals := make([]*commonpb.AnyValue, len(a.Strs))
		for i, s := range a.Strs {
			vals[i] = strValue(s)
		}
		attrs = append(attrs, &commonpb.KeyValue{Key: a.Key, Value: &commonpb.AnyValue{
			Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vals}}}})
	}
	return &resourcepb.Resource{Attributes: attrs}
}

func strAttr(key, val string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: key, Value: strValue(val)}
}

// platformPrefixes start the lines Lambda itself writes in the text log
// format (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html,
// .../snapstart-monitoring.html, .../lambda-runtime-environment.html).
var platformPrefixes = []string{
	"START RequestId: ", "END RequestId: ", "REPORT RequestId: ",
	"INIT_START ", "INIT_REPORT ", "INIT_RUNTIME_DONE ",
	"RESTORE_START ", "RESTORE_REPORT ", "RESTORE_RUNTIME_DONE ",
	"EXTENSION Name: ", "TELEMETRY Name: ", "LOGS Name: ",
}

// isPlatformLine reports whether line is one Lambda writes itself rather
// than the function: a text platform line, or a JSON-format system log
// record ({"time":...,"type":"platform.start","record":{...}}).
func isPlatformLine(line string) bool {
	if line == "" {
		return false
	}
	if line[0] == '{' {
		return isPlatformJSON(line)
	}
	if line[0] < 'A' || line[0] > 'Z' {
		return false
	}
	for _, p := range platformPrefixes {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}

// isPlatformJSON reports whether line is a system log record in Lambda's
// JSON log format: an object with "time", a "type" of "platform.*" and a
// "record". Only lines that mention "platform. are parsed.
func isPlatformJSON(line string) bool {
	if len(line) < 2 || line[0] != '{' || !strings.Contains(line, `"platform.`) {
		return false
	}
	var probe struct {
		Time   *string         `json:"time"`
		Type   string          `json:"type"`
		Record json.RawMessage `json:"record"`
	}
	if json.Unmarshal([]byte(line), &probe) != nil {
		return false
	}
	return probe.Time != nil && strings.HasPrefix(probe.Type, "platform.") && len(probe.Record) > 0
}

// trimLine drops the line end that stdout lines keep in CloudWatch.
func trimLine(s string) string {
	return strings.TrimRight(s, "\r\n")
}
