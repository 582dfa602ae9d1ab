package exporter

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	cpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	rpb "go.opentelemetry.io/proto/slim/otlp/resource/v1"
)

// keyValues converts attributes to OTLP; nil for none.
func keyValues(kvs []attribute.KeyValue) []*cpb.KeyValue {
	if len(kvs) == 0 {
		return nil
	}
	out := make([]*cpb.KeyValue, len(kvs))
	for i, kv := range kvs {
		out[i] = keyValue(kv)
	}
	return out
}

func keyValue(kv attribute.KeyValue) *cpb.KeyValue {
	return &cpb.KeyValue{Key: validUTF8(string(kv.Key)), Value: anyValue(kv.Value)}
}

// validUTF8 returns s with each run of invalid UTF-8 replaced by U+FFFD.
// proto.Marshal refuses a string field that is not UTF-8, so one bad
// string from an application would otherwise lose the whole batch. Every
// string put in a request goes through here; valid ones (nearly all) are
// returned as they are, without copying.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// setValues converts an attribute set (sorted by key) to OTLP.
func setValues(s *attribute.Set) []*cpb.KeyValue {
	if s == nil || s.Len() == 0 {
		return nil
	}
	return keyValues(s.ToSlice())
}

// anyValue converts every attribute type, the composite ones (bytes,
// slices, maps) included. An empty value is an AnyValue without a value.
func anyValue(v attribute.Value) *cpb.AnyValue {
	switch v.Type() {
	case attribute.BOOL:
		return &cpb.AnyValue{Value: &cpb.AnyValue_BoolValue{BoolValue: v.AsBool()}}
	case attribute.INT64:
		return &cpb.AnyValue{Value: &cpb.AnyValue_IntValue{IntValue: v.AsInt64()}}
	case attribute.FLOAT64:
		return &cpb.AnyValue{Value: &cpb.AnyValue_DoubleValue{DoubleValue: v.AsFloat64()}}
	case attribute.STRING:
		return &cpb.AnyValue{Value: &cpb.AnyValue_StringValue{StringValue: validUTF8(v.AsString())}}
	case attribute.BYTESLICE:
		return &cpb.AnyValue{Value: &cpb.AnyValue_BytesValue{BytesValue: v.AsByteSlice()}}
	case attribute.BOOLSLICE:
		return array(v.AsBoolSlice(), func(b bool) *cpb.AnyValue {
			return &cpb.AnyValue{Value: &cpb.AnyValue_BoolValue{BoolValue: b}}
		})
	case attribute.INT64SLICE:
		return array(v.AsInt64Slice(), func(n int64) *cpb.AnyValue {
			return &cpb.AnyValue{Value: &cpb.AnyValue_IntValue{IntValue: n}}
		})
	case attribute.FLOAT64SLICE:
		return array(v.AsFloat64Slice(), func(f float64) *cpb.AnyValue {
			return &cpb.AnyValue{Value: &cpb.AnyValue_DoubleValue{DoubleValue: f}}
		})
	case attribute.STRINGSLICE:
		return array(v.AsStringSlice(), func(s string) *cpb.AnyValue {
			return &cpb.AnyValue{Value: &cpb.AnyValue_StringValue{StringValue: validUTF8(s)}}
		})
	case attribute.SLICE:
		return array(v.AsSlice(), anyValue)
	case attribute.MAP:
		return &cpb.AnyValue{Value: &cpb.AnyValue_KvlistValue{KvlistValue: &cpb.KeyValueList{Values: keyValues(v.AsMap())}}}
	}
	return &cpb.AnyValue{}
}

func array[T any](vs []T, conv func(T) *cpb.AnyValue) *cpb.AnyValue {
	out := make([]*cpb.AnyValue, len(vs))
	for i, v := range vs {
		out[i] = conv(v)
	}
	return &cpb.AnyValue{Value: &cpb.AnyValue_ArrayValue{ArrayValue: &cpb.ArrayValue{Values: out}}}
}

// resourceProto converts a resource; a nil resource is an empty one.
func resourceProto(r *resource.Resource) *rpb.Resource {
	out := &rpb.Resource{}
	if r != nil {
		out.Attributes = setValues(r.Set())
	}
	return out
}

// scopeProto converts an instrumentation scope (its schema URL goes on
// the Scope{Spans,Metrics,Logs}).
func scopeProto(s instrumentation.Scope) *cpb.InstrumentationScope {
	return &cpb.InstrumentationScope{Name: validUTF8(s.Name), Version: validUTF8(s.Version), Attributes: setValues(&s.Attributes)}
}

// unixNano is t in nanoseconds since the epoch; 0 for the zero time and
// times before the epoch.
func unixNano(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(max(0, t.UnixNano()))
}

func clampUint32(n int) uint32 {
	if n <= 0 {
		return 0
	}
	return uint32(min(int64(n), math.MaxUint32))
}
