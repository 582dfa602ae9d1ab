package otlp

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// FormatError says where and why a serialized request breaks the OTLP
// schema. Path names the message at fault from the request down, with
// indexes into repeated fields, for example
// "resource_spans[2].scope_spans[0].spans[5].attributes[1]"; it is empty
// when the fault is in the request itself.
type FormatError struct {
	Path   string
	Offset int // where the faulty field starts, in bytes from the start of the request
	Reason string
}

func (e *FormatError) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// pathError is a FormatError being built while the walk unwinds: the
// innermost path segment comes first and off is relative to the message
// that was being walked.
type pathError struct {
	segs   []string
	off    int
	reason string
}

func errorf(off int, format string, args ...any) *pathError {
	return &pathError{off: off, reason: fmt.Sprintf(format, args...)}
}

// in records that the error happened inside the value of a field that
// starts at base in the enclosing message: name, or name[idx] when idx >= 0.
func (e *pathError) in(name string, idx, base int) *pathError {
	if idx >= 0 {
		name += "[" + strconv.Itoa(idx) + "]"
	}
	e.segs = append(e.segs, name)
	e.off += base
	return e
}

func (e *pathError) final() *FormatError {
	var sb strings.Builder
	for i := len(e.segs) - 1; i >= 0; i-- {
		sb.WriteString(e.segs[i])
		if i > 0 {
			sb.WriteByte('.')
		}
	}
	return &FormatError{Path: sb.String(), Offset: e.off, Reason: e.reason}
}

// uvarint decodes a varint, inlining the one-byte case.
func uvarint(b []byte) (uint64, int) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	return protowire.ConsumeVarint(b)
}

var errEndGroup = errors.New("end-group tag without a group")

// fieldAt parses the field that starts at b[i]: its number, its wire type,
// where its value starts and where the field ends. A length-delimited value
// is b[vs:end]. Unknown groups are skipped whole, as protobuf does.
func fieldAt(b []byte, i int) (num protowire.Number, typ protowire.Type, vs, end int, err error) {
	tag, n := uvarint(b[i:])
	if n < 0 {
		return 0, 0, 0, 0, fmt.Errorf("field tag: %w", protowire.ParseError(n))
	}
	if tag>>3 < uint64(protowire.MinValidNumber) || tag>>3 > uint64(protowire.MaxValidNumber) {
		return 0, 0, 0, 0, fmt.Errorf("invalid field number %d", tag>>3)
	}
	num, typ, vs = protowire.Number(tag>>3), protowire.Type(tag&7), i+n
	switch typ {
	case protowire.BytesType:
		l, n := uvarint(b[vs:])
		if n < 0 {
			return 0, 0, 0, 0, fmt.Errorf("field %d: length: %w", num, protowire.ParseError(n))
		}
		vs += n
		if l > uint64(len(b)-vs) {
			return 0, 0, 0, 0, fmt.Errorf("field %d: length %d overruns the %d bytes left", num, l, len(b)-vs)
		}
		return num, typ, vs, vs + int(l), nil
	case protowire.EndGroupType:
		return 0, 0, 0, 0, fmt.Errorf("field %d: %w", num, errEndGroup)
	}
	n = protowire.ConsumeFieldValue(num, typ, b[vs:])
	if n < 0 {
		return 0, 0, 0, 0, fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
	}
	return num, typ, vs, vs + n, nil
}

// indexOf returns how many times field num occurs in b[:end], the index of
// the occurrence at end. b[:end] has been walked already.
func indexOf(b []byte, end int, num protowire.Number) int {
	idx := 0
	for i := 0; i < end; {
		n, _, _, next, err := fieldAt(b, i)
		if err != nil {
			break
		}
		if n == num {
			idx++
		}
		i = next
	}
	return idx
}

// appendLenField appends a length-delimited field with the given number
// and value length; the caller appends the value.
func appendLenField(dst []byte, num protowire.Number, n int) []byte {
	dst = protowire.AppendTag(dst, num, protowire.BytesType)
	return protowire.AppendVarint(dst, uint64(n))
}

// lenFieldSize is the size of a length-delimited field of number num (below
// 16, so its tag is one byte) holding n bytes.
func lenFieldSize(n int) int { return 1 + protowire.SizeVarint(uint64(n)) + n }

func wireTypeName(t protowire.Type) string {
	switch t {
	case protowire.VarintType:
		return "varint"
	case protowire.Fixed32Type:
		return "fixed32"
	case protowire.Fixed64Type:
		return "fixed64"
	case protowire.BytesType:
		return "length-delimited"
	case protowire.StartGroupType:
		return "start-group"
	case protowire.EndGroupType:
		return "end-group"
	}
	return "reserved wire type " + strconv.Itoa(int(t))
}
