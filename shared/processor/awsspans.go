package processor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/slim/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/slim/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// SpansLogGroup is the log group where CloudWatch stores spans
// (Application Signals, X-Ray Transaction Search); route.SpansLogGroup is
// the same name, guarded there against loops.
const SpansLogGroup = "aws/spans"

// AttrXRayInProgress marks a span that X-Ray logged before it ended.
const AttrXRayInProgress = "aws.xray.inprogress"

// AWSSpans turns the events of the aws/spans log group into OTLP traces:
// each event is one span as JSON, in the shape CloudWatch Transaction
// Search stores (see testdata/README.md):
//
//	{"resource":{"attributes":{"service.name":"checkout"}},
//	 "scope":{"name":"...","version":"..."},
//	 "traceId":"<32 hex>","spanId":"<16 hex>","parentSpanId":"<16 hex>",
//	 "name":"GET /orders","kind":"SERVER",
//	 "startTimeUnixNano":1733931461640310404,"endTimeUnixNano":1733931462360000208,
//	 "durationNano":719689804,
//	 "attributes":{"http.response.status_code":200},
//	 "status":{"code":"UNSET"},
//	 "events":[{"timeUnixNano":...,"name":"exception","attributes":{...}}]}
//
// Attributes are flat JSON objects with dotted keys (OTLP/JSON key/value
// arrays are accepted too); their order is kept. Spans that have not ended
// (no end time, or aws.xray.inprogress) return ErrInProgress: the completed
// span is logged again when it ends. The source is the resource's
// service.name, else the span's aws.local.service.
type AWSSpans struct{}

// Name returns "aws-spans".
func (AWSSpans) Name() string { return "aws-spans" }

// awsSpan is one aws/spans event. Numbers that may be written as strings,
// or exceed 2^53, are kept raw.
type awsSpan struct {
	TraceID                string          `json:"traceId"`
	SpanID                 string          `json:"spanId"`
	ParentSpanID           string          `json:"parentSpanId"`
	TraceState             string          `json:"traceState"`
	Flags                  json.RawMessage `json:"flags"`
	Name                   string          `json:"name"`
	Kind                   json.RawMessage `json:"kind"`
	Start                  json.RawMessage `json:"startTimeUnixNano"`
	End                    json.RawMessage `json:"endTimeUnixNano"`
	Duration               json.RawMessage `json:"durationNano"`
	Attributes             json.RawMessage `json:"attributes"`
	DroppedAttributesCount uint32          `json:"droppedAttributesCount"`
	DroppedEventsCount     uint32          `json:"droppedEventsCount"`
	DroppedLinksCount      uint32          `json:"droppedLinksCount"`
	Status                 *struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
	} `json:"status"`
	Resource *struct {
		Attributes             json.RawMessage `json:"attributes"`
		DroppedAttributesCount uint32          `json:"droppedAttributesCount"`
	} `json:"resource"`
	Scope *struct {
		Name       string          `json:"name"`
		Version    string          `json:"version"`
		Attributes json.RawMessage `json:"attributes"`
	} `json:"scope"`
	Events []struct {
		Time                   json.RawMessage `json:"timeUnixNano"`
		Name                   string          `json:"name"`
		Attributes             json.RawMessage `json:"attributes"`
		DroppedAttributesCount uint32          `json:"droppedAttributesCount"`
	} `json:"events"`
	Links []struct {
		TraceID                string          `json:"traceId"`
		SpanID                 string          `json:"spanId"`
		TraceState             string          `json:"traceState"`
		Flags                  json.RawMessage `json:"flags"`
		Attributes             json.RawMessage `json:"attributes"`
		DroppedAttributesCount uint32          `json:"droppedAttributesCount"`
	} `json:"links"`
}

// Process turns one aws/spans event into a traces request.
func (p AWSSpans) Process(ev *Event, dst []Telemetry) ([]Telemetry, error) {
	if ev.LogGroup != SpansLogGroup {
		return dst, ErrNotMine
	}
	req, source, err := decodeAWSSpan([]byte(ev.Message))
	if err != nil {
		return dst, err
	}
	b, err := proto.Marshal(req)
	if err != nil {
		return dst, fmt.Errorf("encode span: %w", err)
	}
	return append(dst, Telemetry{
		Signal: otlp.Traces, Source: source, Proto: b, Processor: p.Name(), Mergeable: true,
	}), nil
}

// decodeAWSSpan decodes one span event into a one-span request and its
// source.
func decodeAWSSpan(msg []byte) (*coltrace.ExportTraceServiceRequest, string, error) {
	msg = bytes.TrimSpace(msg)
	if len(msg) == 0 || msg[0] != '{' {
		return nil, "", errors.New("span event is not a JSON object")
	}
	var in awsSpan
	if err := json.Unmarshal(msg, &in); err != nil {
		return nil, "", fmt.Errorf("span event: %w", err)
	}
	attrs, err := attributesJSON(in.Attributes)
	if err != nil {
		return nil, "", fmt.Errorf("span attributes: %w", err)
	}
	start, ok, err := parseUnixNano(in.Start)
	if err != nil || !ok {
		return nil, "", fmt.Errorf("span %s: startTimeUnixNano: %v", clip(in.SpanID), orMissing(err))
	}
	end, ended, err := parseUnixNano(in.End)
	if err != nil {
		return nil, "", fmt.Errorf("span %s: endTimeUnixNano: %w", clip(in.SpanID), err)
	}
	if !ended || end == 0 {
		// Without an end time, durationNano (when given and positive) says it.
		d, ok, err := parseUnixNano(in.Duration)
		if err != nil || !ok || d == 0 {
			return nil, "", ErrInProgress
		}
		end, ended = start+d, true
	}
	if attrTrue(attrs, AttrXRayInProgress) {
		return nil, "", ErrInProgress
	}
	span := &tracepb.Span{
		Name: in.Name, TraceState: in.TraceState, StartTimeUnixNano: start, EndTimeUnixNano: end,
		Attributes: attrs, DroppedAttributesCount: in.DroppedAttributesCount,
		DroppedEventsCount: in.DroppedEventsCount, DroppedLinksCount: in.DroppedLinksCount,
	}
	if span.TraceId, err = traceID(in.TraceID); err != nil {
		return nil, "", fmt.Errorf("span %s: traceId: %w", clip(in.SpanID), err)
	}
	if span.SpanId, err = spanID(in.SpanID); err != nil {
		return nil, "", fmt.Errorf("spanId: %w", err)
	}
	if in.ParentSpanID != "" {
		if span.ParentSpanId, err = spanID(in.ParentSpanID); err != nil {
			return nil, "", fmt.Errorf("span %s: parentSpanId: %w", in.SpanID, err)
		}
	}
	if span.Flags, err = flags(in.Flags); err != nil {
		return nil, "", fmt.Errorf("span %s: flags: %w", in.SpanID, err)
	}
	if span.Kind, err = spanKind(in.Kind); err != nil {
		return nil, "", fmt.Errorf("span %s: kind: %w", in.SpanID, err)
	}
	if in.Status != nil {
		code, err := statusCode(in.Status.Code)
		if err != nil {
			return nil, "", fmt.Errorf("span %s: status.code: %w", in.SpanID, err)
		}
		if code != tracepb.Status_STATUS_CODE_UNSET || in.Status.Message != "" {
			span.Status = &tracepb.Status{Code: code, Message: in.Status.Message}
		}
	}
	for i, e := range in.Events {
		t, _, err := parseUnixNano(e.Time)
		if err != nil {
			return nil, "", fmt.Errorf("span %s: events[%d].timeUnixNano: %w", in.SpanID, i, err)
		}
		ea, err := attributesJSON(e.Attributes)
		if err != nil {
			return nil, "", fmt.Errorf("span %s: events[%d].attributes: %w", in.SpanID, i, err)
		}
		span.Events = append(span.Events, &tracepb.Span_Event{
			TimeUnixNano: t, Name: e.Name, Attributes: ea, DroppedAttributesCount: e.DroppedAttributesCount})
	}
	for i, l := range in.Links {
		link := &tracepb.Span_Link{TraceState: l.TraceState, DroppedAttributesCount: l.DroppedAttributesCount}
		if link.TraceId, err = traceID(l.TraceID); err != nil {
			return nil, "", fmt.Errorf("span %s: links[%d]: %w", in.SpanID, i, err)
		}
		if link.SpanId, err = spanID(l.SpanID); err != nil {
			return nil, "", fmt.Errorf("span %s: links[%d]: %w", in.SpanID, i, err)
		}
		if link.Flags, err = flags(l.Flags); err != nil {
			return nil, "", fmt.Errorf("span %s: links[%d].flags: %w", in.SpanID, i, err)
		}
		if link.Attributes, err = attributesJSON(l.Attributes); err != nil {
			return nil, "", fmt.Errorf("span %s: links[%d].attributes: %w", in.SpanID, i, err)
		}
		span.Links = append(span.Links, link)
	}
	res := &resourcepb.Resource{}
	if in.Resource != nil {
		if res.Attributes, err = attributesJSON(in.Resource.Attributes); err != nil {
			return nil, "", fmt.Errorf("span %s: resource.attributes: %w", in.SpanID, err)
		}
		res.DroppedAttributesCount = in.Resource.DroppedAttributesCount
	}
	scope := &commonpb.InstrumentationScope{}
	if in.Scope != nil {
		scope.Name, scope.Version = in.Scope.Name, in.Scope.Version
		if scope.Attributes, err = attributesJSON(in.Scope.Attributes); err != nil {
			return nil, "", fmt.Errorf("span %s: scope.attributes: %w", in.SpanID, err)
		}
	}
	source, ok := attrString(res.Attributes, "service.name")
	if !ok {
		source, _ = attrString(attrs, "aws.local.service")
	}
	return &coltrace.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource:   res,
		ScopeSpans: []*tracepb.ScopeSpans{{Scope: scope, Spans: []*tracepb.Span{span}}},
	}}}, source, nil
}

func orMissing(err error) any {
	if err == nil {
		return "missing"
	}
	return err
}

// spanKind reads a kind written as a name ("SERVER", "SPAN_KIND_SERVER",
// any case) or as its number.
func spanKind(raw json.RawMessage) (tracepb.Span_SpanKind, error) {
	n, name, err := enumJSON(raw)
	if err != nil {
		return 0, err
	}
	if name == "" {
		if n < 0 || n > int64(tracepb.Span_SPAN_KIND_CONSUMER) {
			return 0, fmt.Errorf("%d is not a span kind", n)
		}
		return tracepb.Span_SpanKind(n), nil
	}
	v, ok := tracepb.Span_SpanKind_value["SPAN_KIND_"+strings.TrimPrefix(strings.ToUpper(name), "SPAN_KIND_")]
	if !ok {
		return 0, fmt.Errorf("%q is not a span kind", clip(name))
	}
	return tracepb.Span_SpanKind(v), nil
}

// statusCode reads a status code written as a name ("ERROR",
// "STATUS_CODE_ERROR", any case) or as its number.
func statusCode(raw json.RawMessage) (tracepb.Status_StatusCode, error) {
	n, name, err := enumJSON(raw)
	if err != nil {
		return 0, err
	}
	if name == "" {
		if n < 0 || n > int64(tracepb.Status_STATUS_CODE_ERROR) {
			return 0, fmt.Errorf("%d is not a status code", n)
		}
		return tracepb.Status_StatusCode(n), nil
	}
	v, ok := tracepb.Status_StatusCode_value["STATUS_CODE_"+strings.TrimPrefix(strings.ToUpper(name), "STATUS_CODE_")]
	if !ok {
		return 0, fmt.Errorf("%q is not a status code", clip(name))
	}
	return tracepb.Status_StatusCode(v), nil
}

// enumJSON reads a JSON string (name) or integer (n); absent or null is 0.
func enumJSON(raw json.RawMessage) (n int64, name string, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, "", nil
	}
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &name); err != nil {
			return 0, "", err
		}
		if name == "" {
			return 0, "", nil
		}
		return 0, name, nil
	}
	n, err = strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("%.20s is neither a name nor a number", raw)
	}
	return n, "", nil
}

// flags reads W3C trace flags (and OTLP's extra bits), a 32-bit number.
func flags(raw json.RawMessage) (uint32, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	n, err := strconv.ParseUint(strings.Trim(string(raw), `"`), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%.20s is not a 32-bit number", raw)
	}
	return uint32(n), nil
}
