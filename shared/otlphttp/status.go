package otlphttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// PartialSuccess is the partial_success of an Export{Trace,Metrics,Logs}
// ServiceResponse. The zero value means the request was fully accepted.
type PartialSuccess struct {
	// Rejected counts the spans, data points or log records (see
	// otlp.Signal.ItemName) that the collector accepted the request for but
	// dropped.
	Rejected int64
	// Message is the collector's explanation. With Rejected 0 it is a
	// warning about an otherwise accepted request.
	Message string
}

// IsZero reports whether p reports nothing: the request was fully accepted.
func (p PartialSuccess) IsZero() bool { return p.Rejected == 0 && p.Message == "" }

// decodePartialSuccess reads the partial_success of a 2xx response body,
// protobuf or OTLP/JSON. An empty body is a full success.
func decodePartialSuccess(body []byte, jsonBody bool, sig otlp.Signal) (PartialSuccess, error) {
	if jsonBody {
		return decodePartialSuccessJSON(body, sig)
	}
	return decodePartialSuccessProto(body)
}

// decodePartialSuccessProto walks the wire format of an
// Export*ServiceResponse: field 1 is partial_success, whose field 1 is the
// rejected count (int64) and field 2 the error message (string) in all
// three signals. Repeated occurrences merge, as protobuf requires.
func decodePartialSuccessProto(b []byte) (PartialSuccess, error) {
	var ps PartialSuccess
	err := walkFields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		if num != 1 || typ != protowire.BytesType {
			return nil
		}
		return walkFields(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
			switch {
			case num == 1 && typ == protowire.VarintType:
				ps.Rejected = int64(x)
			case num == 2 && typ == protowire.BytesType:
				ps.Message = string(v)
			}
			return nil
		})
	})
	if err != nil {
		return PartialSuccess{}, fmt.Errorf("decode export response: %w", err)
	}
	return ps, nil
}

// decodeStatusProto reads a google.rpc.Status: code (field 1, int32) and
// message (field 2, string); details (field 3) are skipped.
func decodeStatusProto(b []byte) (code int32, msg string, err error) {
	err = walkFields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == 1 && typ == protowire.VarintType:
			code = int32(x)
		case num == 2 && typ == protowire.BytesType:
			msg = string(v)
		}
		return nil
	})
	return code, msg, err
}

// walkFields calls fn for each field of the protobuf message b: v holds a
// length-delimited value, x a varint or fixed value.
func walkFields(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var (
			v []byte
			x uint64
		)
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var x32 uint32
			x32, n = protowire.ConsumeFixed32(b)
			x = uint64(x32)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// rejectedKeys are the OTLP/JSON names (lowerCamelCase, then the proto
// name, both of which protojson accepts) of the rejected count.
func rejectedKeys(sig otlp.Signal) []string {
	switch sig {
	case otlp.Traces:
		return []string{"rejectedSpans", "rejected_spans"}
	case otlp.Metrics:
		return []string{"rejectedDataPoints", "rejected_data_points"}
	case otlp.Logs:
		return []string{"rejectedLogRecords", "rejected_log_records"}
	}
	return nil
}

// decodePartialSuccessJSON reads an OTLP/JSON Export*ServiceResponse. The
// int64 count may be a JSON string (as protojson writes it) or a number.
func decodePartialSuccessJSON(b []byte, sig otlp.Signal) (PartialSuccess, error) {
	var ps PartialSuccess
	if len(bytes.TrimSpace(b)) == 0 {
		return ps, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return ps, fmt.Errorf("decode export response (JSON): %w", err)
	}
	raw := field(top, "partialSuccess", "partial_success")
	if raw == nil {
		return ps, nil
	}
	var inner map[string]json.RawMessage
	if err := json.Unmarshal(raw, &inner); err != nil {
		return ps, fmt.Errorf("decode export response (JSON): partialSuccess: %w", err)
	}
	if v := field(inner, rejectedKeys(sig)...); v != nil {
		n, err := jsonInt64(v)
		if err != nil {
			return PartialSuccess{}, fmt.Errorf("decode export response (JSON): partialSuccess: rejected count: %w", err)
		}
		ps.Rejected = n
	}
	if v := field(inner, "errorMessage", "error_message"); v != nil {
		if err := json.Unmarshal(v, &ps.Message); err != nil {
			return PartialSuccess{}, fmt.Errorf("decode export response (JSON): partialSuccess: errorMessage: %w", err)
		}
	}
	return ps, nil
}

// decodeStatusJSON reads a google.rpc.Status in JSON ({"code","message"}).
func decodeStatusJSON(b []byte) (code int64, msg string, ok bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) != nil {
		return 0, "", false
	}
	m, c := field(top, "message"), field(top, "code")
	if m == nil && c == nil {
		return 0, "", false
	}
	if m != nil && json.Unmarshal(m, &msg) != nil {
		return 0, "", false
	}
	if c != nil {
		code, _ = jsonInt64(c)
	}
	return code, msg, true
}

// field returns the first of keys present in m and not null.
func field(m map[string]json.RawMessage, keys ...string) json.RawMessage {
	for _, k := range keys {
		if v, ok := m[k]; ok && string(v) != "null" {
			return v
		}
	}
	return nil
}

// jsonInt64 parses a JSON number or a JSON string holding one.
func jsonInt64(v json.RawMessage) (int64, error) {
	s := strings.TrimSpace(string(v))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(v, &s); err != nil {
			return 0, err
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errors.New("not an integer: " + strconv.Quote(truncate(s, 32)))
	}
	return n, nil
}
