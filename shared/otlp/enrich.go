package otlp

import (
	"slices"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// Attr is a resource attribute for Enrich: a string, or an array of strings
// when Strs is not nil (even if empty).
type Attr struct {
	Key  string
	Str  string
	Strs []string
}

// Enrich adds attrs to the resource of every ResourceSpans, ResourceMetrics
// or ResourceLogs in the serialized request b, each attribute only where the
// resource has no attribute of that key: what the application set is never
// overwritten, and enriching twice adds nothing the second time. Of several
// attrs with one key, the first is used. A container without a resource
// gets one. The new attributes follow the existing ones, inside the
// resource; everything else is copied unchanged.
//
// b is assumed to be valid (see Scan). Enrich returns b itself, without
// allocating, when it adds nothing, and also when b is malformed. Otherwise
// it allocates the result once. Invalid UTF-8 in attrs is replaced by
// U+FFFD so that the result stays decodable.
func Enrich(sig Signal, b []byte, attrs []Attr) []byte {
	if out, ok := enrich(nil, sig, b, attrs); ok {
		return out
	}
	return b
}

// AppendEnrich appends b enriched as Enrich does (or b unchanged) to dst
// and returns it, so that a caller can build many requests in one buffer.
func AppendEnrich(dst []byte, sig Signal, b []byte, attrs []Attr) []byte {
	if out, ok := enrich(dst, sig, b, attrs); ok {
		return out
	}
	return append(dst, b...)
}

// enrich appends the enriched b to dst; ok is false when nothing was added
// (or b is malformed) and dst is then returned untouched.
func enrich(dst []byte, sig Signal, b []byte, attrs []Attr) (_ []byte, ok bool) {
	if !sig.Valid() || len(attrs) == 0 {
		return dst, false
	}
	attrs = sanitize(attrs)
	l := layouts[sig]
	// Bit sets over attrs, on the stack for up to 128 attributes.
	var bits [4]uint64
	words := (len(attrs) + 63) / 64
	e := enricher{attrs: attrs}
	if 2*words <= len(bits) {
		e.dup, e.miss = bits[:words], bits[words:2*words]
	} else {
		e.dup, e.miss = make([]uint64, words), make([]uint64, words)
	}
	e.markDups()
	// Pass 1: what each container lacks, and the size of the result.
	size, adds := len(b), false
	for i := 0; i < len(b); {
		num, typ, vs, end, err := fieldAt(b, i)
		if err != nil {
			return dst, false
		}
		if num == l.resourceX {
			if typ != protowire.BytesType {
				return dst, false
			}
			add, res, ok := e.missing(l, b[vs:end])
			if !ok {
				return dst, false
			}
			if add > 0 {
				adds = true
				size += lenFieldSize(enrichedSize(end-vs, add, res)) - (end - i)
			}
		}
		i = end
	}
	if !adds {
		return dst, false
	}
	// Pass 2: write, copying everything but the containers that grow.
	out := slices.Grow(dst, size)
	copied := 0
	for i := 0; i < len(b); {
		num, _, vs, end, _ := fieldAt(b, i)
		if num == l.resourceX {
			rx := b[vs:end]
			if add, res, _ := e.missing(l, rx); add > 0 {
				out = append(out, b[copied:i]...)
				out = appendLenField(out, l.resourceX, enrichedSize(len(rx), add, res))
				if res.start < 0 {
					out = appendLenField(out, l.resource, add)
					out = e.appendMissing(out)
					out = append(out, rx...)
				} else {
					out = append(out, rx[:res.start]...)
					out = appendLenField(out, l.resource, res.end-res.vs+add)
					out = append(out, rx[res.vs:res.end]...)
					out = e.appendMissing(out)
					out = append(out, rx[res.end:]...)
				}
				copied = end
			}
		}
		i = end
	}
	return append(out, b[copied:]...), true
}

// loc locates a field inside its message: it starts at start, and its
// value is [vs:end]. start < 0 when there is no such field.
type loc struct{ start, vs, end int }

// enrichedSize is the size of the content of a container of size n once
// add bytes of attributes have been added to its resource res.
func enrichedSize(n, add int, res loc) int {
	if res.start < 0 {
		return n + lenFieldSize(add)
	}
	return n - (res.end - res.start) + lenFieldSize(res.end-res.vs+add)
}

type enricher struct {
	attrs []Attr
	// bit sets over attrs: dup marks attrs whose key an earlier one has;
	// miss the attrs the container being looked at lacks.
	dup, miss []uint64
}

// markDups sets e.dup.
func (e *enricher) markDups() {
	for j := range e.attrs {
		for i := range j {
			if e.attrs[i].Key == e.attrs[j].Key {
				e.dup[j/64] |= 1 << (j % 64)
				break
			}
		}
	}
}

// missing sets e.miss to the attrs the container rx lacks and returns the
// size of their encoding and the last resource field of rx, whose
// attributes they will follow. ok is false when rx is malformed.
func (e *enricher) missing(l *layout, rx []byte) (add int, res loc, ok bool) {
	for w := range e.miss {
		e.miss[w] = ^e.dup[w]
	}
	if tail := len(e.attrs) % 64; tail != 0 {
		e.miss[len(e.miss)-1] &= 1<<tail - 1
	}
	res.start = -1
	for i := 0; i < len(rx); {
		num, typ, vs, end, err := fieldAt(rx, i)
		if err != nil {
			return 0, res, false
		}
		if num == l.resource {
			if typ != protowire.BytesType || !e.present(rx[vs:end]) {
				return 0, res, false
			}
			res = loc{i, vs, end}
		}
		i = end
	}
	for j := range e.attrs {
		if e.miss[j/64]&(1<<(j%64)) != 0 {
			add += lenFieldSize(kvSize(&e.attrs[j]))
		}
	}
	return add, res, true
}

// present clears from e.miss the keys that the resource r has. It reports
// false when r is malformed.
func (e *enricher) present(r []byte) bool {
	for i := 0; i < len(r); {
		num, typ, vs, end, err := fieldAt(r, i)
		if err != nil {
			return false
		}
		i = end
		if num != attrNums.attributes {
			continue
		}
		if typ != protowire.BytesType {
			return false
		}
		// A KeyValue: its key is the last key field in it.
		kv := r[vs:end]
		var key []byte
		for k := 0; k < len(kv); {
			num, typ, vs, end, err := fieldAt(kv, k)
			if err != nil {
				return false
			}
			if num == attrNums.key {
				if typ != protowire.BytesType {
					return false
				}
				key = kv[vs:end]
			}
			k = end
		}
		for j := range e.attrs {
			if string(key) == e.attrs[j].Key {
				e.miss[j/64] &^= 1 << (j % 64)
			}
		}
	}
	return true
}

// appendMissing appends the attrs in e.miss as Resource.attributes fields.
func (e *enricher) appendMissing(dst []byte) []byte {
	for j := range e.attrs {
		if e.miss[j/64]&(1<<(j%64)) == 0 {
			continue
		}
		a := &e.attrs[j]
		dst = appendLenField(dst, attrNums.attributes, kvSize(a))
		dst = appendLenField(dst, attrNums.key, len(a.Key))
		dst = append(dst, a.Key...)
		if a.Strs == nil {
			dst = appendLenField(dst, attrNums.value, lenFieldSize(len(a.Str)))
			dst = appendLenField(dst, attrNums.stringValue, len(a.Str))
			dst = append(dst, a.Str...)
			continue
		}
		arr := arraySize(a.Strs)
		dst = appendLenField(dst, attrNums.value, lenFieldSize(arr))
		dst = appendLenField(dst, attrNums.arrayValue, arr)
		for _, s := range a.Strs {
			dst = appendLenField(dst, attrNums.values, lenFieldSize(len(s)))
			dst = appendLenField(dst, attrNums.stringValue, len(s))
			dst = append(dst, s...)
		}
	}
	return dst
}

// kvSize is the size of the KeyValue that encodes a: the value is always
// written, even when empty, so that it is a string (or an array).
func kvSize(a *Attr) int {
	v := lenFieldSize(len(a.Str))
	if a.Strs != nil {
		v = lenFieldSize(arraySize(a.Strs))
	}
	return lenFieldSize(len(a.Key)) + lenFieldSize(v)
}

// arraySize is the size of the ArrayValue of strs.
func arraySize(strs []string) int {
	n := 0
	for _, s := range strs {
		n += lenFieldSize(lenFieldSize(len(s)))
	}
	return n
}

// sanitize returns attrs with invalid UTF-8 replaced, copying only when
// there is some.
func sanitize(attrs []Attr) []Attr {
	ok := func(a *Attr) bool {
		if !utf8.ValidString(a.Key) || !utf8.ValidString(a.Str) {
			return false
		}
		for _, s := range a.Strs {
			if !utf8.ValidString(s) {
				return false
			}
		}
		return true
	}
	bad := false
	for i := range attrs {
		if !ok(&attrs[i]) {
			bad = true
			break
		}
	}
	if !bad {
		return attrs
	}
	fixed := make([]Attr, len(attrs))
	for i, a := range attrs {
		a.Key = strings.ToValidUTF8(a.Key, "\uFFFD")
		a.Str = strings.ToValidUTF8(a.Str, "\uFFFD")
		if a.Strs != nil {
			strs := make([]string, len(a.Strs))
			for k, s := range a.Strs {
				strs[k] = strings.ToValidUTF8(s, "\uFFFD")
			}
			a.Strs = strs
		}
		fixed[i] = a
	}
	return fixed
}
