package jsonlex

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds nesting in values the lexer skips.
const MaxDepth = 1000

// Lexer reads one JSON document.
type Lexer struct {
	b []byte
	i int
}

// New returns a lexer over b.
func New(b []byte) *Lexer { return &Lexer{b: b} }

// SyntaxError says where the document is malformed.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

func (l *Lexer) fail(msg string) error { return &SyntaxError{Offset: l.i, Msg: msg} }

func (l *Lexer) ws() {
	for l.i < len(l.b) {
		switch l.b[l.i] {
		case ' ', '\t', '\n', '\r':
			l.i++
		default:
			return
		}
	}
}

// Peek returns the first byte of the next value (after whitespace), or 0
// at the end.
func (l *Lexer) Peek() byte {
	l.ws()
	if l.i < len(l.b) {
		return l.b[l.i]
	}
	return 0
}

// End checks that only whitespace is left.
func (l *Lexer) End() error {
	l.ws()
	if l.i != len(l.b) {
		return l.fail("data after the document")
	}
	return nil
}

// Object reads an object, calling fn for each key; fn must read the value
// (with any method, or Skip).
func (l *Lexer) Object(fn func(key []byte) error) error {
	if l.Peek() != '{' {
		return l.fail("want an object")
	}
	l.i++
	if l.Peek() == '}' {
		l.i++
		return nil
	}
	for {
		if l.Peek() != '"' {
			return l.fail("want a string key")
		}
		key, err := l.String()
		if err != nil {
			return err
		}
		if l.Peek() != ':' {
			return l.fail("want ':'")
		}
		l.i++
		if err := fn(key); err != nil {
			return err
		}
		switch l.Peek() {
		case ',':
			l.i++
		case '}':
			l.i++
			return nil
		default:
			return l.fail("want ',' or '}'")
		}
	}
}

// Document reads a whole document that is an object or null (as
// encoding/json decodes into a struct: null leaves it unset), calling fn
// for each key as Object does, and checks that nothing follows it.
func (l *Lexer) Document(fn func(key []byte) error) error {
	if l.Peek() == 'n' {
		if _, err := l.Literal(); err != nil {
			return err
		}
		return l.End()
	}
	if err := l.Object(fn); err != nil {
		return err
	}
	return l.End()
}

// Array reads an array, calling fn for each element; fn must read it.
func (l *Lexer) Array(fn func() error) error {
	if l.Peek() != '[' {
		return l.fail("want an array")
	}
	l.i++
	if l.Peek() == ']' {
		l.i++
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch l.Peek() {
		case ',':
			l.i++
		case ']':
			l.i++
			return nil
		default:
			return l.fail("want ',' or ']'")
		}
	}
}

// class of a byte inside a string: 0 plain ASCII, 1 quote or backslash,
// 2 control character, 3 non-ASCII.
var class = func() (t [256]uint8) {
	for c := 0; c < 0x20; c++ {
		t[c] = 2
	}
	t['"'], t['\\'] = 1, 1
	for c := 0x80; c < 0x100; c++ {
		t[c] = 3
	}
	return t
}()

// String reads a string and returns its content. Without escapes (and
// when valid UTF-8) the result aliases the input; otherwise it is decoded
// exactly as encoding/json decodes it (invalid UTF-8 becomes U+FFFD).
func (l *Lexer) String() ([]byte, error) {
	if l.Peek() != '"' {
		return nil, l.fail("want a string")
	}
	l.i++
	start := l.i
	escaped, ascii := false, true
	b := l.b
	for i := l.i; ; {
		for i < len(b) && class[b[i]] == 0 {
			i++
		}
		if i >= len(b) {
			l.i = i
			return nil, l.fail("unterminated string")
		}
		switch c := b[i]; class[c] {
		case 3:
			ascii = false
			i++
			continue
		case 2:
			l.i = i
			return nil, l.fail("control character in string")
		}
		if b[i] == '"' {
			l.i = i + 1
			break
		}
		escaped = true
		if i+1 >= len(b) {
			l.i = i
			return nil, l.fail("unterminated escape")
		}
		switch b[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
				l.i = i
				return nil, l.fail("invalid \\u escape")
			}
			i += 6
		default:
			l.i = i
			return nil, l.fail("invalid escape")
		}
	}
	inner := b[start : l.i-1]
	if !escaped && (ascii || utf8.Valid(inner)) {
		return inner, nil
	}
	return unquote(inner, ascii), nil
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Number reads a number and returns its literal.
func (l *Lexer) Number() ([]byte, error) {
	l.ws()
	start := l.i
	if l.i < len(l.b) && l.b[l.i] == '-' {
		l.i++
	}
	digits := func() int {
		n := 0
		for l.i < len(l.b) && '0' <= l.b[l.i] && l.b[l.i] <= '9' {
			l.i++
			n++
		}
		return n
	}
	switch {
	case l.i < len(l.b) && l.b[l.i] == '0':
		l.i++
	case digits() == 0:
		return nil, l.fail("want a number")
	}
	if l.i < len(l.b) && l.b[l.i] == '.' {
		l.i++
		if digits() == 0 {
			return nil, l.fail("want digits after '.'")
		}
	}
	if l.i < len(l.b) && (l.b[l.i] == 'e' || l.b[l.i] == 'E') {
		l.i++
		if l.i < len(l.b) && (l.b[l.i] == '+' || l.b[l.i] == '-') {
			l.i++
		}
		if digits() == 0 {
			return nil, l.fail("want digits in the exponent")
		}
	}
	return l.b[start:l.i], nil
}

// Literal reads true, false or null and returns it.
func (l *Lexer) Literal() (string, error) {
	l.ws()
	for _, lit := range []string{"true", "false", "null"} {
		if bytes.HasPrefix(l.b[l.i:], []byte(lit)) {
			l.i += len(lit)
			return lit, nil
		}
	}
	return "", l.fail("want true, false or null")
}

// Raw reads any value and returns its bytes.
func (l *Lexer) Raw() ([]byte, error) {
	l.ws()
	start := l.i
	if err := l.skip(0); err != nil {
		return nil, err
	}
	return l.b[start:l.i], nil
}

// Skip reads any value.
func (l *Lexer) Skip() error { return l.skip(0) }

func (l *Lexer) skip(depth int) error {
	if depth > MaxDepth {
		return l.fail("nested too deeply")
	}
	switch c := l.Peek(); {
	case c == '{':
		return l.Object(func([]byte) error { return l.skip(depth + 1) })
	case c == '[':
		return l.Array(func() error { return l.skip(depth + 1) })
	case c == '"':
		_, err := l.String()
		return err
	case c == '-' || '0' <= c && c <= '9':
		_, err := l.Number()
		return err
	case c == 't' || c == 'f' || c == 'n':
		_, err := l.Literal()
		return err
	case c == 0:
		return l.fail("unexpected end of input")
	}
	return l.fail("unexpected character")
}

// ErrNull is returned by typed readers for a null value where the caller
// may want to leave its field unset, as encoding/json does.
var ErrNull = errors.New("null")

// unquote decodes the (validated) content of a string with escapes or
// invalid UTF-8, as encoding/json does: escapes decoded, a lone or
// mismatched surrogate and every invalid UTF-8 byte become U+FFFD.
func unquote(s []byte, ascii bool) []byte {
	out := make([]byte, 0, len(s))
	for len(s) > 0 {
		j := bytes.IndexByte(s, '\\')
		if j < 0 {
			j = len(s)
		}
		if seg := s[:j]; ascii || utf8.Valid(seg) {
			out = append(out, seg...)
		} else {
			for len(seg) > 0 {
				r, n := utf8.DecodeRune(seg)
				out = utf8.AppendRune(out, r)
				seg = seg[n:]
			}
		}
		s = s[j:]
		if len(s) == 0 {
			break
		}
		switch s[1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(s[2:6])
			s = s[6:]
			if utf16.IsSurrogate(r) {
				if len(s) >= 6 && s[0] == '\\' && s[1] == 'u' && isHex4(s[2:6]) {
					if dec := utf16.DecodeRune(r, hex4(s[2:6])); dec != utf8.RuneError {
						out = utf8.AppendRune(out, dec)
						s = s[6:]
						continue
					}
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default: // '"', '\\', '/'
			out = append(out, s[1])
		}
		s = s[2:]
	}
	return out
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// Null consumes a null and reports whether there was one.
func (l *Lexer) Null() bool {
	if l.Peek() != 'n' {
		return false
	}
	lit, err := l.Literal()
	return err == nil && lit == "null"
}

// StringField reads a string into *dst, or a null leaving *dst as it is
// (encoding/json's semantics for a string field); any other value is an
// error.
func (l *Lexer) StringField(dst *string) error {
	if l.Null() {
		return nil
	}
	if l.Peek() != '"' {
		raw, err := l.Raw()
		if err != nil {
			return err
		}
		return fmt.Errorf("want a string, got %.20s", raw)
	}
	s, err := l.String()
	if err != nil {
		return err
	}
	*dst = string(s)
	return nil
}

// KeyIs matches an object key against a field name as encoding/json does:
// exactly, or else case-insensitively.
func KeyIs(key []byte, name string) bool {
	return string(key) == name || bytes.EqualFold(key, []byte(name))
}
