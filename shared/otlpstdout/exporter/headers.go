package exporter

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
)

// headerList is an insertion-ordered map, as a JavaScript object is built
// by the reference: setting an existing name keeps its place.
type headerList []otlpstdout.Header

func (hs *headerList) set(name, value string) {
	for i := range *hs {
		if (*hs)[i].Name == name {
			(*hs)[i].Value = value
			return
		}
	}
	*hs = append(*hs, otlpstdout.Header{Name: name, Value: value})
}

// fixedHeader reports the headers the envelope fixes, which the reference
// drops from the configured ones.
func fixedHeader(name string) bool {
	n := strings.ToLower(jsTrim(name))
	return n == "content-type" || n == "content-encoding"
}

// parse reads "name=value,name=value" as the reference does: each pair is
// trimmed, split at its first '=', and name and value trimmed again; the
// value may hold '='; names keep their case; values are not
// percent-decoded; a pair with nothing after '=' is dropped, one with only
// blanks after it gives an empty value. Blank pairs (a trailing comma) are
// skipped. Unlike the reference, a pair without '=' or without a name is an
// error (the reference drops it silently); the error names the pair by
// position only, since values may be secrets.
func (hs *headerList) parse(s string) error {
	var bad []string
	for i, pair := range strings.Split(s, ",") {
		pair = jsTrim(pair)
		if pair == "" {
			continue
		}
		name, value, ok := strings.Cut(pair, "=")
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("pair %d has no '='", i+1))
			continue
		case name == "":
			bad = append(bad, fmt.Sprintf("pair %d has no name", i+1))
			continue
		case value == "" || fixedHeader(name):
			continue
		}
		hs.set(jsTrim(name), jsTrim(value))
	}
	if len(bad) > 0 {
		return fmt.Errorf("want name=value pairs separated by commas: %s", strings.Join(bad, ", "))
	}
	return nil
}

// jsOrder returns the headers in the order JSON.stringify writes the keys
// of an object built in this order: names that are array indices
// ("0".."4294967294") first, ascending, then the others in insertion order.
func (hs headerList) jsOrder() []otlpstdout.Header {
	if len(hs) == 0 {
		return nil
	}
	out := make([]otlpstdout.Header, 0, len(hs))
	for _, h := range hs {
		if _, ok := arrayIndex(h.Name); ok {
			out = append(out, h)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, _ := arrayIndex(out[i].Name)
		b, _ := arrayIndex(out[j].Name)
		return a < b
	})
	for _, h := range hs {
		if _, ok := arrayIndex(h.Name); !ok {
			out = append(out, h)
		}
	}
	return out
}

// arrayIndex reports whether s is the canonical form of an integer in
// [0, 2^32-2], which JavaScript orders before other keys.
func arrayIndex(s string) (uint64, bool) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && n <= 1<<32-2
}

// jsTrim trims what String.prototype.trim trims: WhiteSpace (tab, VT, FF,
// space, NBSP, ZWNBSP and the Zs category) and LineTerminator (LF, CR,
// U+2028, U+2029). It differs from strings.TrimSpace at U+0085 (kept) and
// U+FEFF (trimmed).
func jsTrim(s string) string {
	return strings.TrimFunc(s, isJSSpace)
}

func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}
