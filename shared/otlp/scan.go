package otlp

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// Stats counts what a request carries. Items are spans, metric data points
// (of gauges, sums, histograms, exponential histograms and summaries) or
// log records.
type Stats struct {
	Resources, Scopes, Items int
}

// Scan validates a serialized export request of the signal against the
// OTLP schema and counts what it carries, without decoding it.
//
// Every request that proto.Unmarshal rejects, Scan rejects too: malformed
// tags, varints and lengths, invalid field numbers, stray end-group tags,
// truncated packed fields, and invalid UTF-8 in string fields. Unknown
// fields are skipped, as protobuf does. Scan is stricter than
// proto.Unmarshal in two ways: a known field with the wrong wire type is an
// error (proto.Unmarshal keeps it as an unknown field; gogo-style decoders
// such as the Collector's reject it), and attribute values (AnyValue inside
// ArrayValue or KeyValueList) may nest at most 64 levels deep, so that no
// payload makes the walkers recurse far.
//
// Errors are *FormatError and name the path to the fault, for example
// "resource_spans[2].scope_spans[0].spans[5].attributes[1]: invalid UTF-8
// in string field key". Scan does not allocate unless it fails.
func Scan(sig Signal, b []byte) (Stats, error) {
	if !sig.Valid() {
		return Stats{}, fmt.Errorf("scan: unknown signal %v", sig)
	}
	var s scanner
	items, err := s.message(layouts[sig].request, b, 0)
	if err != nil {
		return Stats{}, err.final()
	}
	s.st.Items = items
	return s.st, nil
}

type scanner struct {
	st Stats
}

// message validates b as a message of type m, nested depth AnyValues deep,
// and returns the number of items in it. It is the hot loop of Scan: the
// common cases (one-byte tags and lengths, the usual attribute) are
// decoded inline, the rest in functions out of the way.
func (s *scanner) message(m *message, b []byte, depth int) (int, *pathError) {
	items := 0
	// Of the counting oneof (Metric.data) only the last member set
	// survives decoding: count the items of its last run of occurrences.
	var member uint64
	memberItems := 0
	slots := m.slots
	for i := 0; i < len(b); {
		start := i
		tag := uint64(b[i])
		i++
		if tag >= 0x80 {
			v, n := protowire.ConsumeVarint(b[start:])
			if n < 0 {
				return 0, errorf(start, "field tag: %v", protowire.ParseError(n))
			}
			tag, i = v, start+n
		}
		num := tag >> 3
		var sl slot
		if num < uint64(len(slots)) {
			sl = slots[num]
		}
		typ := protowire.Type(tag & 7)
		if sl.kind >= kindBytes && typ == protowire.BytesType {
			var l int
			if i < len(b) && b[i] < 0x80 {
				l = int(b[i])
				i++
			} else {
				v, n := protowire.ConsumeVarint(b[i:])
				if n < 0 {
					return 0, errorf(start, "field %s: length: %v", m.fields[num].name, protowire.ParseError(n))
				}
				i += n
				if v > uint64(len(b)-i) {
					return 0, s.overrun(m, num, v, len(b)-i, start)
				}
				l = int(v)
			}
			if l > len(b)-i {
				return 0, s.overrun(m, num, uint64(l), len(b)-i, start)
			}
			vs := i
			i += l
			if sl.kind == kindString {
				if !ascii(b[vs:i]) && !utf8.Valid(b[vs:i]) {
					return 0, errorf(start, "invalid UTF-8 in string field %s", m.fields[num].name)
				}
				continue
			}
			if sl.kind >= kindTraceID {
				if want := idSize(sl.kind); l != 0 && l != want {
					return 0, errorf(start, "field %s: %d bytes, want %d (or none)", m.fields[num].name, l, want)
				}
				continue
			}
			if sl.kind == kindBytes || (sl.flags&slotKeyValue != 0 && keyValueFast(b[vs:i])) {
				continue
			}
			d := depth
			if sl.flags&slotNested != 0 {
				if d++; d > maxDepth {
					return 0, errorf(start, "attribute values nested deeper than %d levels (field %s)", maxDepth, m.fields[num].name)
				}
			}
			sub, err := s.message(sl.msg, b[vs:i], d)
			if err != nil {
				return 0, s.inside(err, m, b, num, start, vs)
			}
			if sl.flags&(slotItem|slotResource|slotScope|slotCount) != 0 {
				switch {
				case sl.flags&slotItem != 0:
					sub++
				case sl.flags&slotResource != 0:
					s.st.Resources++
				case sl.flags&slotScope != 0:
					s.st.Scopes++
				}
				if sl.flags&slotCount != 0 {
					if num != member {
						member, memberItems = num, 0
					}
					memberItems += sub
					continue
				}
			}
			items += sub
			continue
		}
		var err *pathError
		switch {
		case sl.kind == kindFixed64 && typ == protowire.Fixed64Type:
			if i += 8; i > len(b) {
				return 0, errorf(start, "field %s: truncated fixed64 value", m.fields[num].name)
			}
		case sl.kind == kindVarint && typ == protowire.VarintType:
			if i < len(b) && b[i] < 0x80 {
				i++
				break
			}
			_, n := protowire.ConsumeVarint(b[i:])
			if n < 0 {
				return 0, errorf(start, "field %s: %v", m.fields[num].name, protowire.ParseError(n))
			}
			i += n
		case sl.kind == kindFixed32 && typ == protowire.Fixed32Type:
			if i += 4; i > len(b) {
				return 0, errorf(start, "field %s: truncated fixed32 value", m.fields[num].name)
			}
		case sl.kind == kindNone:
			i, err = s.unknown(b, i, num, typ, start)
		default:
			i, err = s.packed(m, sl, num, typ, b, i, start)
		}
		if err != nil {
			return 0, err
		}
		if sl.flags&slotCount != 0 && num != member {
			member, memberItems = num, 0 // a scalar member of the counting oneof
		}
	}
	return items + memberItems, nil
}

// inside adds to err, from the value of field num that starts at start in
// b (its value at vs), the path segment of that field.
func (s *scanner) inside(err *pathError, m *message, b []byte, num uint64, start, vs int) *pathError {
	f := &m.fields[num]
	idx := -1
	if f.list {
		idx = indexOf(b, start, protowire.Number(num))
	}
	return err.in(f.name, idx, vs)
}

// unknown skips the value at b[i] of a field the schema does not have, as
// protobuf does, and returns where it ends.
func (s *scanner) unknown(b []byte, i int, num uint64, typ protowire.Type, start int) (int, *pathError) {
	if num < uint64(protowire.MinValidNumber) || num > uint64(protowire.MaxValidNumber) {
		return 0, errorf(start, "invalid field number %d", num)
	}
	if typ == protowire.EndGroupType {
		return 0, errorf(start, "field %d: %v", num, errEndGroup)
	}
	n := protowire.ConsumeFieldValue(protowire.Number(num), typ, b[i:])
	if n < 0 {
		return 0, errorf(start, "unknown field %d: %v", num, protowire.ParseError(n))
	}
	return i + n, nil
}

// packed checks the packed form, whose length is at b[i], of the
// repeated scalar field num, and returns where the field ends. Any other
// wire type is an error.
func (s *scanner) packed(m *message, sl slot, num uint64, typ protowire.Type, b []byte, i, start int) (int, *pathError) {
	if typ != protowire.BytesType || sl.flags&slotPacked == 0 {
		return 0, s.wireType(m, num, typ, start)
	}
	f := &m.fields[num]
	vs, end, err := lenValue(b, i, f, start)
	if err != nil {
		return 0, err
	}
	size := 0
	switch sl.kind {
	case kindFixed32:
		size = 4
	case kindFixed64:
		size = 8
	}
	if size > 0 {
		if (end-vs)%size != 0 {
			return 0, errorf(start, "packed field %s: %d bytes is not a multiple of %d", f.name, end-vs, size)
		}
		return end, nil
	}
	for j := vs; j < end; {
		if b[j] < 0x80 {
			j++
			continue
		}
		_, n := protowire.ConsumeVarint(b[j:end])
		if n < 0 {
			return 0, errorf(start, "packed field %s: %v", f.name, protowire.ParseError(n))
		}
		j += n
	}
	return end, nil
}

func (s *scanner) wireType(m *message, num uint64, typ protowire.Type, start int) *pathError {
	return wireTypeError(&m.fields[num], protowire.Number(num), typ, start)
}

func (s *scanner) overrun(m *message, num, l uint64, left, start int) *pathError {
	return errorf(start, "field %s: length %d overruns the %d bytes left", m.fields[num].name, l, left)
}

// Tags of the usual encoding of an attribute.
var (
	tagKey    = byte(protowire.EncodeTag(attrNums.key, protowire.BytesType))
	tagValue  = byte(protowire.EncodeTag(attrNums.value, protowire.BytesType))
	tagString = byte(protowire.EncodeTag(attrNums.stringValue, protowire.BytesType))
	tagBool   = byte(protowire.EncodeTag(attrNums.boolValue, protowire.VarintType))
	tagInt    = byte(protowire.EncodeTag(attrNums.intValue, protowire.VarintType))
	tagDouble = byte(protowire.EncodeTag(attrNums.doubleValue, protowire.Fixed64Type))
)

// keyValueFast reports whether b is a valid KeyValue in the form nearly
// every attribute takes: a short key, then a short value holding one
// string, bool, int or double. It reports false for anything else, valid
// or not, which the generic walk then takes (and explains).
func keyValueFast(b []byte) bool {
	if len(b) < 2 || b[0] != tagKey || b[1] >= 0x80 {
		return false
	}
	p := 2 + int(b[1])
	if p > len(b) {
		return false
	}
	if p == len(b) {
		return validUTF8(b[2:p])
	}
	if len(b)-p < 3 || b[p] != tagValue || b[p+1] >= 0x80 || int(b[p+1]) != len(b)-p-2 {
		return false
	}
	v := b[p+2:]
	switch v[0] {
	case tagString:
		if len(v) < 2 || v[1] >= 0x80 || int(v[1]) != len(v)-2 {
			return false
		}
		// Every tag and length byte is below 0x80 here, so when all of b
		// is ASCII, so are the key and the value.
		return ascii(b) || (validUTF8(b[2:p]) && validUTF8(v[2:]))
	case tagBool, tagInt:
		_, n := uvarint(v[1:])
		return n == len(v)-1 && validUTF8(b[2:p])
	case tagDouble:
		return len(v) == 9 && validUTF8(b[2:p])
	}
	return false
}

// ascii reports whether every byte of b is below 0x80.
func ascii(b []byte) bool {
	n := len(b)
	switch {
	case n >= 8:
		var acc uint64
		i := 0
		for ; i+16 <= n; i += 16 {
			acc |= binary.LittleEndian.Uint64(b[i:]) | binary.LittleEndian.Uint64(b[i+8:])
		}
		if i+8 <= n {
			acc |= binary.LittleEndian.Uint64(b[i:])
		}
		acc |= binary.LittleEndian.Uint64(b[n-8:])
		return acc&0x8080808080808080 == 0
	case n >= 4:
		return (binary.LittleEndian.Uint32(b)|binary.LittleEndian.Uint32(b[n-4:]))&0x80808080 == 0
	}
	var acc byte
	for _, c := range b {
		acc |= c
	}
	return acc < 0x80
}

// validUTF8 is utf8.Valid with a fast path for ASCII: most strings in
// telemetry are short and ASCII.
func validUTF8(b []byte) bool {
	return ascii(b) || utf8.Valid(b)
}

// lenValue reads the length at b[i] of the length-delimited field f that
// starts at start, and returns where its value starts and ends.
func lenValue(b []byte, i int, f *field, start int) (vs, end int, err *pathError) {
	l, n := uvarint(b[i:])
	if n < 0 {
		return 0, 0, errorf(start, "field %s: length: %v", f.name, protowire.ParseError(n))
	}
	i += n
	if l > uint64(len(b)-i) {
		return 0, 0, errorf(start, "field %s: length %d overruns the %d bytes left", f.name, l, len(b)-i)
	}
	return i, i + int(l), nil
}

func wireTypeError(f *field, num protowire.Number, got protowire.Type, start int) *pathError {
	want := protowire.BytesType
	switch f.kind {
	case kindVarint:
		want = protowire.VarintType
	case kindFixed32:
		want = protowire.Fixed32Type
	case kindFixed64:
		want = protowire.Fixed64Type
	}
	return errorf(start, "field %s (%d): wire type %s, want %s", f.name, num, wireTypeName(got), wireTypeName(want))
}

// idSize is the size of a trace or span id field.
func idSize(k kind) int {
	if k == kindTraceID {
		return 16
	}
	return 8
}
