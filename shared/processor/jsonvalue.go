package processor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// maxValueDepth bounds the nesting of JSON turned into AnyValues, well
// under the 64 levels otlp.Scan accepts.
const maxValueDepth = 32

var errTooDeep = fmt.Errorf("JSON nested deeper than %d levels", maxValueDepth)

// jsonValues turns JSON into OTLP AnyValues, keeping the order of object
// keys as written.
type jsonValues struct {
	dec *json.Decoder
}

func newJSONValues(raw []byte) *jsonValues {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return &jsonValues{dec: dec}
}

// anyValueJSON converts one JSON value. JSON null converts to nil.
func anyValueJSON(raw []byte) (*commonpb.AnyValue, error) {
	jv := newJSONValues(raw)
	v, err := jv.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := jv.dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func (jv *jsonValues) value(depth int) (*commonpb.AnyValue, error) {
	if depth > maxValueDepth {
		return nil, errTooDeep
	}
	tok, err := jv.dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			kvs, err := jv.object(depth)
			if err != nil {
				return nil, err
			}
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: kvs}}}, nil
		case '[':
			var vals []*commonpb.AnyValue
			for jv.dec.More() {
				v, err := jv.value(depth + 1)
				if err != nil {
					return nil, err
				}
				if v == nil {
					v = &commonpb.AnyValue{} // keep positions: an empty value
				}
				vals = append(vals, v)
			}
			if _, err := jv.dec.Token(); err != nil {
				return nil, err
			}
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vals}}}, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return strValue(t), nil
	case bool:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: t}}, nil
	case json.Number:
		return numberValue(t), nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// object reads the members of an object whose '{' was read; members whose
// value is null are left out.
func (jv *jsonValues) object(depth int) ([]*commonpb.KeyValue, error) {
	var kvs []*commonpb.KeyValue
	for jv.dec.More() {
		tok, err := jv.dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("object key %v is not a string", tok)
		}
		v, err := jv.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if v != nil {
			kvs = append(kvs, &commonpb.KeyValue{Key: key, Value: v})
		}
	}
	if _, err := jv.dec.Token(); err != nil {
		return nil, err
	}
	return kvs, nil
}

func strValue(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}

func intValue(n int64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: n}}
}

// numberValue keeps integers that fit int64 as ints, others as doubles,
// and numbers too large for a double as the text written.
func numberValue(n json.Number) *commonpb.AnyValue {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return intValue(i)
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) {
		return strValue(string(n))
	}
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
}

// attributesJSON converts attributes written either as a flat JSON object
// ({"http.method":"GET"}, the shape of aws/spans) or as OTLP/JSON KeyValues
// ([{"key":"http.method","value":{"stringValue":"GET"}}]). Absent or null
// attributes are none.
func attributesJSON(raw json.RawMessage) ([]*commonpb.KeyValue, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch raw[0] {
	case '{':
		jv := newJSONValues(raw)
		if _, err := jv.dec.Token(); err != nil {
			return nil, err
		}
		return jv.object(0)
	case '[':
		var kvs []struct {
			Key   string          `json:"key"`
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(raw, &kvs); err != nil {
			return nil, err
		}
		out := make([]*commonpb.KeyValue, 0, len(kvs))
		for _, kv := range kvs {
			v := new(commonpb.AnyValue)
			if len(kv.Value) > 0 && string(kv.Value) != "null" {
				if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(kv.Value, v); err != nil {
					return nil, fmt.Errorf("attribute %q: %w", kv.Key, err)
				}
			}
			out = append(out, &commonpb.KeyValue{Key: kv.Key, Value: v})
		}
		return out, nil
	}
	return nil, fmt.Errorf("want an object or an array of key/value pairs, got %.20s", raw)
}

// attrString returns the string value of the attribute key, if it is a
// string.
func attrString(kvs []*commonpb.KeyValue, key string) (string, bool) {
	for _, kv := range kvs {
		if kv.Key == key {
			if s, ok := kv.GetValue().GetValue().(*commonpb.AnyValue_StringValue); ok {
				return s.StringValue, true
			}
			return "", false
		}
	}
	return "", false
}

// attrTrue reports whether the attribute key is true, as a bool or as the
// string "true".
func attrTrue(kvs []*commonpb.KeyValue, key string) bool {
	for _, kv := range kvs {
		if kv.Key == key {
			switch v := kv.GetValue().GetValue().(type) {
			case *commonpb.AnyValue_BoolValue:
				return v.BoolValue
			case *commonpb.AnyValue_StringValue:
				return strings.EqualFold(v.StringValue, "true")
			}
			return false
		}
	}
	return false
}

// parseUnixNano reads a timestamp in nanoseconds written as a JSON number
// or a decimal string. Values beyond 2^53 keep every digit. ok is false for
// null or absent values.
func parseUnixNano(raw json.RawMessage) (ns uint64, ok bool, err error) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || s == "null" {
		return 0, false, nil
	}
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false, err
		}
		if s == "" {
			return 0, false, nil
		}
	}
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return n, true, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f >= math.MaxUint64 || math.IsNaN(f) {
		return 0, false, fmt.Errorf("%.40s is not a time in nanoseconds", s)
	}
	return uint64(f), true, nil
}
