package otlp

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// OTLP/JSON differs from the canonical protobuf JSON mapping in that trace
// and span ids are hex strings, not base64 (and enums are integers, which
// protojson reads and writes already). Older JavaScript serializers also
// wrote 64-bit integers as {"low":L,"high":H} objects. These functions
// translate between OTLP/JSON and protobuf through protojson, rewriting ids
// on the way.

// idFields are the JSON keys that hold trace or span ids, in both the
// lowerCamelCase and the original snake_case spelling.
var idFields = map[string]int{
	"traceId": 16, "trace_id": 16,
	"spanId": 8, "span_id": 8,
	"parentSpanId": 8, "parent_span_id": 8,
}

// MaxJSONDepth bounds the nesting of OTLP/JSON accepted by UnmarshalJSON.
const MaxJSONDepth = 128

// UnmarshalJSON parses an OTLP/JSON export request of the signal and returns
// its protobuf serialization. Unknown fields are ignored, as the spec asks.
func UnmarshalJSON(sig Signal, data []byte) ([]byte, error) {
	m, err := DecodeJSON(sig, data)
	if err != nil {
		return nil, err
	}
	b, err := proto.MarshalOptions{}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s request: %w", sig, err)
	}
	return b, nil
}

// DecodeJSON parses an OTLP/JSON export request into its Go message.
func DecodeJSON(sig Signal, data []byte) (proto.Message, error) {
	m, err := NewRequest(sig)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("otlp/json %s: %w: %w", sig, ErrNotJSON, err)
		}
		return nil, fmt.Errorf("otlp/json %s: %w", sig, err)
	}
	// Decoder.More misses a stray '}' or ']' after the value.
	if len(bytes.TrimSpace(data[dec.InputOffset():])) > 0 {
		return nil, fmt.Errorf("otlp/json %s: %w: trailing data after the request", sig, ErrNotJSON)
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("otlp/json %s: want a JSON object, got %s", sig, jsonKind(v))
	}
	v, err = fromOTLPJSON(v, "", 0)
	if err != nil {
		return nil, fmt.Errorf("otlp/json %s: %w", sig, err)
	}
	canonical, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("otlp/json %s: %w", sig, err)
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(canonical, m); err != nil {
		return nil, fmt.Errorf("otlp/json %s: %w", sig, err)
	}
	return m, nil
}

// fromOTLPJSON rewrites hex ids to base64 and {low,high} pairs to decimal
// strings, so that protojson can read the result. key is the field that
// holds v (for an array element, the array's field).
func fromOTLPJSON(v any, key string, depth int) (any, error) {
	if depth > MaxJSONDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", MaxJSONDepth)
	}
	switch t := v.(type) {
	case map[string]any:
		if n, ok := longBits(t, unsignedLongs()[key]); ok {
			return n, nil
		}
		for k, e := range t {
			if size, ok := idFields[k]; ok {
				if s, ok := e.(string); ok {
					id, err := idToBase64(s, size)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", k, err)
					}
					t[k] = id
					continue
				}
			}
			r, err := fromOTLPJSON(e, k, depth+1)
			if err != nil {
				return nil, err
			}
			t[k] = r
		}
	case []any:
		for i, e := range t {
			r, err := fromOTLPJSON(e, key, depth+1)
			if err != nil {
				return nil, err
			}
			t[i] = r
		}
	}
	return v, nil
}

// idToBase64 converts a hex id of size bytes to base64. An id that is
// already base64 of the right size is kept; empty stays empty.
func idToBase64(s string, size int) (string, error) {
	if s == "" {
		return s, nil
	}
	if len(s) == 2*size {
		b, err := hex.DecodeString(s)
		if err == nil {
			return base64.StdEncoding.EncodeToString(b), nil
		}
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == size {
		return s, nil
	}
	return "", fmt.Errorf("id %q is not %d bytes of hex", s, size)
}

// longBits recognises {"low":L,"high":H[,"unsigned":B]} and returns the
// 64-bit value as a decimal string: unsigned for an unsigned field, else
// signed ({"low":-1,"high":-1} is -1). As on the wire, the field's type
// decides, not the Long's own "unsigned" flag.
func longBits(m map[string]any, unsigned bool) (string, bool) {
	if len(m) < 2 || len(m) > 3 {
		return "", false
	}
	lo, ok1 := m["low"].(json.Number)
	hi, ok2 := m["high"].(json.Number)
	if !ok1 || !ok2 {
		return "", false
	}
	if _, ok := m["unsigned"]; len(m) == 3 && !ok {
		return "", false
	}
	l, err1 := strconv.ParseInt(lo.String(), 10, 64)
	h, err2 := strconv.ParseInt(hi.String(), 10, 64)
	if err1 != nil || err2 != nil {
		return "", false
	}
	u := uint64(uint32(int32(l))) | uint64(uint32(int32(h)))<<32
	if unsigned {
		return strconv.FormatUint(u, 10), true
	}
	return strconv.FormatInt(int64(u), 10), true
}

// unsignedLongs holds the JSON keys, in both spellings, of the unsigned
// 64-bit integer fields (fixed64, uint64) of the OTLP requests. Every other
// 64-bit integer field (int64, sint64, sfixed64) is signed; no key names
// both kinds (a test checks). Built on first use: only OTLP/JSON in the
// old {low,high} shape needs it, and walking the descriptors at package
// init would add to every Lambda cold start.
var unsignedLongs = sync.OnceValue(func() map[string]bool {
	return longFields(protoreflect.Fixed64Kind, protoreflect.Uint64Kind)
})

// longFields returns the JSON keys of the fields of the given kinds in the
// messages the three requests reach.
func longFields(kinds ...protoreflect.Kind) map[string]bool {
	out := map[string]bool{}
	seen := map[protoreflect.FullName]bool{}
	var walk func(md protoreflect.MessageDescriptor)
	walk = func(md protoreflect.MessageDescriptor) {
		if seen[md.FullName()] {
			return
		}
		seen[md.FullName()] = true
		fields := md.Fields()
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			for _, k := range kinds {
				if fd.Kind() == k {
					out[fd.JSONName()] = true
					out[string(fd.Name())] = true
				}
			}
			if fd.Message() != nil {
				walk(fd.Message())
			}
		}
	}
	walk((&coltrace.ExportTraceServiceRequest{}).ProtoReflect().Descriptor())
	walk((&colmetrics.ExportMetricsServiceRequest{}).ProtoReflect().Descriptor())
	walk((&collogs.ExportLogsServiceRequest{}).ProtoReflect().Descriptor())
	return out
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "an object"
}

// MarshalJSON encodes a serialized export request of the signal as OTLP/JSON
// (lowerCamelCase keys, enums as integers, 64-bit integers as strings, hex
// trace and span ids).
func MarshalJSON(sig Signal, b []byte) ([]byte, error) {
	m, err := Decode(sig, b)
	if err != nil {
		return nil, err
	}
	return EncodeJSON(m)
}

// EncodeJSON encodes a decoded export request as OTLP/JSON.
func EncodeJSON(m proto.Message) ([]byte, error) {
	raw, err := protojson.MarshalOptions{UseEnumNumbers: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode otlp/json: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("encode otlp/json: %w", err)
	}
	if err := idsToHex(v); err != nil {
		return nil, fmt.Errorf("encode otlp/json: %w", err)
	}
	return json.Marshal(v)
}

func idsToHex(v any) error {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if _, ok := idFields[k]; ok {
				if s, ok := e.(string); ok {
					b, err := base64.StdEncoding.DecodeString(s)
					if err != nil {
						return fmt.Errorf("%s: %w", k, err)
					}
					t[k] = hex.EncodeToString(b)
					continue
				}
			}
			if err := idsToHex(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range t {
			if err := idsToHex(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// ErrNotJSON is wrapped by errors from UnmarshalJSON and DecodeJSON when
// the data is not JSON at all (for example protobuf labelled
// application/json): a syntax error, or data after the request.
var ErrNotJSON = errors.New("not JSON")
