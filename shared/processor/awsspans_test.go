package processor

import (
	"errors"
	"strings"
	"testing"

	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/slim/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/slim/otlp/trace/v1"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

func spansEvent(msg string) *Event {
	return &Event{Owner: "123456789012", Region: "us-east-1", LogGroup: SpansLogGroup, LogStream: "default",
		ID: "1", Time: eventTime, Message: msg}
}

func traceReq(res []*commonpb.KeyValue, scope *commonpb.InstrumentationScope, span *tracepb.Span) *coltrace.ExportTraceServiceRequest {
	return &coltrace.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource:   &resourcepb.Resource{Attributes: res},
		ScopeSpans: []*tracepb.ScopeSpans{{Scope: scope, Spans: []*tracepb.Span{span}}},
	}}}
}

// TestAWSSpansFixtures checks every field of the spans made from the
// documented aws/spans shapes.
func TestAWSSpansFixtures(t *testing.T) {
	in := cases(t, "aws-spans.json")
	tests := []struct {
		name   string
		source string
		want   *coltrace.ExportTraceServiceRequest
	}{
		{"lambda-server", "stack-replay-recorder", traceReq(
			[]*commonpb.KeyValue{
				kvStr("aws.local.service", "stack-replay-recorder"), kvStr("cloud.region", "us-east-1"),
				kvStr("service.name", "stack-replay-recorder"), kvStr("faas.name", "stack-replay-recorder"),
				kvStr("telemetry.sdk.name", "opentelemetry"), kvStr("telemetry.sdk.language", "python"),
			},
			&commonpb.InstrumentationScope{Name: "opentelemetry.instrumentation.aws_lambda", Version: "0.48b0"},
			&tracepb.Span{
				TraceId: mustHex(t, "6759b1c50e59b643038a6a070e115043"), SpanId: mustHex(t, "2a22ad6d7aeb6ef2"),
				ParentSpanId: mustHex(t, "48fec93dfe40959d"), Flags: 256,
				Name: "app.lambda_handler", Kind: tracepb.Span_SPAN_KIND_SERVER,
				StartTimeUnixNano: 1733931461640310404, EndTimeUnixNano: 1733931462360000208,
				Attributes: []*commonpb.KeyValue{
					kvStr("aws.local.service", "stack-replay-recorder"),
					kvStr("aws.local.operation", "stack-replay-recorder/FunctionHandler"),
					kvStr("aws.span.kind", "LOCAL_ROOT"), kvStr("PlatformType", "AWS::Lambda"),
				},
			})},
		{"client-error", "checkout-api", traceReq(
			[]*commonpb.KeyValue{kvStr("service.name", "checkout-api"), kvStr("cloud.provider", "aws"), kvStr("cloud.platform", "aws_lambda")},
			&commonpb.InstrumentationScope{Name: "io.opentelemetry.aws-sdk-2.2", Version: "2.10.0-alpha"},
			&tracepb.Span{
				TraceId: mustHex(t, "6759b1c50e59b643038a6a070e115043"), SpanId: mustHex(t, "5f0e2c9a1b7d3e48"),
				ParentSpanId: mustHex(t, "2a22ad6d7aeb6ef2"),
				Name:         "DynamoDb.GetItem", Kind: tracepb.Span_SPAN_KIND_CLIENT,
				StartTimeUnixNano: 1733931461700000000, EndTimeUnixNano: 1733931461712500000,
				Attributes: []*commonpb.KeyValue{
					kvStr("rpc.system", "aws-api"), kvStr("rpc.service", "DynamoDb"), kvStr("rpc.method", "GetItem"),
					kv("aws.dynamodb.table_names", arr(strValue("orders"))),
					kvInt("http.response.status_code", 400), kvStr("aws.remote.service", "AWS::DynamoDB"),
					kvDouble("aws.sdk.retry.ratio", 0.5), kvBool("aws.xray.inprogress", false),
				},
				Status: &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "ResourceNotFoundException"},
				Events: []*tracepb.Span_Event{{
					TimeUnixNano: 1733931461712400000, Name: "exception",
					Attributes: []*commonpb.KeyValue{
						kvStr("exception.type", "software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException"),
						kvStr("exception.message", "Requested resource not found"),
					},
				}},
			})},
		{"agentcore-chat", "MyAgent.DEFAULT", traceReq(
			[]*commonpb.KeyValue{
				kvStr("deployment.environment.name", "bedrock-agentcore:default"), kvStr("service.name", "MyAgent.DEFAULT"),
				kvStr("cloud.platform", "aws_bedrock_agentcore"), kvStr("telemetry.sdk.version", "1.40.0"),
			},
			&commonpb.InstrumentationScope{Name: "strands.telemetry.tracer"},
			&tracepb.Span{
				TraceId: mustHex(t, "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"), SpanId: mustHex(t, "1a2b3c4d5e6f7a8b"),
				ParentSpanId: mustHex(t, "9c8d7e6f5a4b3c2d"),
				Name:         "chat us.anthropic.claude-sonnet-4-6", Kind: tracepb.Span_SPAN_KIND_INTERNAL,
				StartTimeUnixNano: 1795518930000000000, EndTimeUnixNano: 1795518932644916837,
				Attributes: []*commonpb.KeyValue{
					kvStr("session.id", "session-a1b2c3d4-e5f6-7890"),
					kvStr("gen_ai.request.model", "us.anthropic.claude-sonnet-4-6"),
					kvInt("gen_ai.usage.input_tokens", 1980), kvInt("gen_ai.usage.output_tokens", 119),
					kv("gen_ai.response.finish_reasons", arr(strValue("tool_use"))),
					kvInt("http.response.status_code", 200),
				},
				Status: &tracepb.Status{Code: tracepb.Status_STATUS_CODE_OK},
			})},
		{"with-links", "order-consumer", traceReq(
			[]*commonpb.KeyValue{kvStr("service.name", "order-consumer")},
			&commonpb.InstrumentationScope{Name: "io.opentelemetry.aws-lambda-events-2.2", Version: "2.10.0-alpha"},
			&tracepb.Span{
				TraceId: mustHex(t, "0af7651916cd43dd8448eb211c80319c"), SpanId: mustHex(t, "b7ad6b7169203331"),
				TraceState: "congo=t61rcWkgMzE", Flags: 1,
				Name: "orders-queue process", Kind: tracepb.Span_SPAN_KIND_CONSUMER,
				StartTimeUnixNano: 1795518931000000000, EndTimeUnixNano: 1795518931050000000,
				Attributes: []*commonpb.KeyValue{
					kvStr("messaging.system", "aws_sqs"), kvStr("messaging.operation.type", "process"),
					kvInt("messaging.batch.message_count", 2),
				},
				Links: []*tracepb.Span_Link{
					{TraceId: mustHex(t, "4bf92f3577b34da6a3ce929d0e0e4736"), SpanId: mustHex(t, "00f067aa0ba902b7"), Flags: 1,
						Attributes: []*commonpb.KeyValue{kvStr("messaging.message.id", "059f36b4-87a3-44ab-83d2-661975830a7d")}},
					// The X-Ray id 1-5759e988-bd862e3fe1be46a994272793 is the same 16 bytes.
					{TraceId: mustHex(t, "5759e988bd862e3fe1be46a994272793"), SpanId: mustHex(t, "53995c3f42cd8ad8")},
				},
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel := one(t, AWSSpans{}, spansEvent(in[tt.name]))
			if tel.Signal != otlp.Traces || tel.Source != tt.source || tel.Processor != "aws-spans" || !tel.Mergeable || tel.PlainLogs {
				t.Fatalf("telemetry %+v", tel)
			}
			if tel.Stats != (otlp.Stats{Resources: 1, Scopes: 1, Items: 1}) {
				t.Fatalf("stats %+v", tel.Stats)
			}
			sameProto(t, tt.name, decodeTraces(t, tel.Proto), tt.want)
		})
	}
}

func TestAWSSpansInProgressSkipped(t *testing.T) {
	in := cases(t, "aws-spans.json")
	chain := Default()
	for _, name := range []string{"in-progress-null-end", "in-progress-no-end", "in-progress-flag-only"} {
		t.Run(name, func(t *testing.T) {
			if _, err := (AWSSpans{}).Process(spansEvent(in[name]), nil); !errors.Is(err, ErrInProgress) {
				t.Fatalf("error %v, want ErrInProgress", err)
			}
			out, outcome, err := chain.Process(spansEvent(in[name]), nil)
			if outcome != InProgress || err != nil || len(out) != 0 {
				t.Fatalf("outcome %v, err %v, %d telemetry: want in_progress, nothing else", outcome, err, len(out))
			}
		})
	}
}

func TestAWSSpansDamaged(t *testing.T) {
	good := cases(t, "aws-spans.json")["lambda-server"]
	tests := []struct{ name, msg, errHas string }{
		{"not json", "hello", "not a JSON object"},
		{"truncated", good[:len(good)/2], "span event"},
		{"bad trace id", strings.Replace(good, "6759b1c50e59b643038a6a070e115043", "6759b1c50e59b643", 1), "traceId"},
		{"zero trace id", strings.Replace(good, "6759b1c50e59b643038a6a070e115043", "00000000000000000000000000000000", 1), "all zeros"},
		{"bad span id", strings.Replace(good, `"spanId":"2a22ad6d7aeb6ef2"`, `"spanId":"zz22ad6d7aeb6ef2"`, 1), "spanId"},
		{"bad parent", strings.Replace(good, "48fec93dfe40959d", "48fec9", 1), "parentSpanId"},
		{"no start", strings.Replace(good, `"startTimeUnixNano":1733931461640310404,`, "", 1), "startTimeUnixNano"},
		{"bad kind", strings.Replace(good, `"kind":"SERVER"`, `"kind":"SERVANT"`, 1), "kind"},
		{"bad status", strings.Replace(good, `"code":"UNSET"`, `"code":7`, 1), "status.code"},
		{"attributes not an object", strings.Replace(good, `"attributes":{"aws.local.service"`, `"attributes":"x","y":{"aws.local.service"`, 1), "attributes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (AWSSpans{}).Process(spansEvent(tt.msg), nil)
			if err == nil || errors.Is(err, ErrNotMine) || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.errHas)
			}
			if _, outcome, _ := Default().Process(spansEvent(tt.msg), nil); outcome != Undecodable {
				t.Fatalf("chain outcome %v, want undecodable", outcome)
			}
		})
	}
}

func TestAWSSpansOnlyItsLogGroup(t *testing.T) {
	msg := cases(t, "aws-spans.json")["lambda-server"]
	ev := lambdaEvent(msg)
	if _, err := (AWSSpans{}).Process(ev, nil); !errors.Is(err, ErrNotMine) {
		t.Fatalf("error %v for a span outside aws/spans, want ErrNotMine", err)
	}
	if SpansLogGroup != route.SpansLogGroup {
		t.Fatalf("SpansLogGroup %q and route.SpansLogGroup %q differ: the loop guard would miss spans", SpansLogGroup, route.SpansLogGroup)
	}
}

// TestAWSSpansLoopGuard: spans read from aws/spans never go to a collector
// on an AWS endpoint (whose OTLP ingestion would write them back into
// aws/spans), while the same telemetry from another log group would.
func TestAWSSpansLoopGuard(t *testing.T) {
	table, err := route.NewTable([]route.Collector{
		{Name: "xray", Endpoint: "https://xray.us-east-1.amazonaws.com"},
		{Name: "logs-otlp", Endpoint: "https://logs.us-east-1.amazonaws.com"},
		{Name: "tempo", Endpoint: "https://tempo.example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	in := cases(t, "aws-spans.json")
	for _, name := range []string{"lambda-server", "client-error", "agentcore-chat", "with-links"} {
		ev := spansEvent(in[name])
		out, outcome, err := Default().Process(ev, nil)
		if outcome != Decoded || err != nil || len(out) != 1 {
			t.Fatalf("%s: outcome %v err %v", name, outcome, err)
		}
		got := table.Match(nil, out[0].Signal, ev.LogGroup, out[0].Source)
		if len(got) != 1 || got[0].Name != "tempo" {
			t.Fatalf("%s routes to %v, want only tempo", name, names(got))
		}
		if other := table.Match(nil, out[0].Signal, "/aws/lambda/checkout-api", out[0].Source); len(other) != 3 {
			t.Fatalf("control: from a Lambda log group it routes to %v, want all three", names(other))
		}
	}
}

func names(cs []*route.Collector) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

// A span without endTimeUnixNano but with a positive durationNano has
// ended: its end is start + duration.
func TestAWSSpansEndFromDuration(t *testing.T) {
	msg := `{"traceId":"6759b1c50e59b643038a6a070e115043","spanId":"2a22ad6d7aeb6ef2","name":"n","kind":"SERVER",` +
		`"startTimeUnixNano":1733931461640310404,"durationNano":"719689804","resource":{"attributes":{"service.name":"s"}}}`
	tel := one(t, AWSSpans{}, spansEvent(msg))
	s := decodeTraces(t, tel.Proto).ResourceSpans[0].ScopeSpans[0].Spans[0]
	if s.StartTimeUnixNano != 1733931461640310404 || s.EndTimeUnixNano != 1733931462360000208 || tel.Source != "s" {
		t.Fatalf("span %v, source %q", s, tel.Source)
	}
	zero := strings.Replace(msg, `"719689804"`, `0`, 1)
	if _, err := (AWSSpans{}).Process(spansEvent(zero), nil); !errors.Is(err, ErrInProgress) {
		t.Fatalf("zero duration: %v, want ErrInProgress", err)
	}
}
