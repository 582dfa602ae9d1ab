package jsonlex

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzStringMatchesStdlib: a JSON string decodes as encoding/json decodes
// it, and is refused where encoding/json refuses it.
func FuzzStringMatchesStdlib(f *testing.F) {
	for _, s := range []string{`"plain"`, `"a\"b\\c\/d\n\t\r\b\f"`, `"\u00e9\ud83d\ude00"`, `"\ud800x"`, `"\udc00\ud800"`,
		"\"\xff\xfe ok\"", "\"caf\xc3\xa9\"", `"\x"`, "\"a\x01\"", `"unterminated`, `"\u12"`, `"\'"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		// Decode into any: unmarshalling null into a string is a no-op
		// that succeeds, but null is not a string.
		var v any
		var want string
		werr := json.Unmarshal(in, &v)
		if werr == nil {
			s, ok := v.(string)
			if !ok {
				werr = errors.New("not a string")
			}
			want = s
		}
		l := New(in)
		got, gerr := l.String()
		if gerr == nil {
			gerr = l.End()
		}
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("encoding/json: %v; lexer: %v; input %q", werr, gerr, in)
		}
		if werr == nil && string(got) != want {
			t.Fatalf("got %q want %q for %q", got, want, in)
		}
	})
}

// FuzzSkipMatchesStdlib: any value is accepted exactly when encoding/json
// finds it valid.
func FuzzSkipMatchesStdlib(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e-3,-0,true,null,"x"]}`, `[{}]`, `01`, `1.`, `-`, `{"a" 1}`, `[1,]`, `  "x"  `, `tru`, `1e+`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		l := New(in)
		err := l.Skip()
		if err == nil {
			err = l.End()
		}
		if json.Valid(in) != (err == nil) {
			t.Fatalf("json.Valid %v, lexer %v, input %q", json.Valid(in), err, in)
		}
	})
}
