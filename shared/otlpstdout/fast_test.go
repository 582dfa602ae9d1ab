package otlpstdout

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzParseWrapperMatchesStdlib: the one-pass parser accepts exactly what
// encoding/json accepts for the wrapper, with the same values.
func FuzzParseWrapperMatchesStdlib(f *testing.F) {
	for _, name := range []string{"envelope/v0.17.3-headers-level.jsonl", "envelope/old-json-object.jsonl", "envelope/lambda-json-message-string.jsonl", "envelope/lambda-json-message-object.jsonl"} {
		b, err := readFixture(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(splitLines(b)[0])
	}
	for _, s := range []string{`null`, `{"HEADERS":{"a":null},"headers":{"b":"c"}}`, `{"base64":null,"Base64":false}`, `{"payload": null}`, `{"headers":null}`, `{"base64":"true"}`, `{"source":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var want wrapper
		werr := json.Unmarshal(line, &want)
		got, gerr := parseWrapper(line)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("encoding/json: %v; parse: %v; input %q", werr, gerr, line)
		}
		if werr != nil {
			return
		}
		// RawMessage fields: same bytes (nil and empty alike).
		if string(got.Payload) != string(want.Payload) || string(got.Message) != string(want.Message) {
			t.Fatalf("raw values differ: %q/%q vs %q/%q", got.Payload, got.Message, want.Payload, want.Message)
		}
		got.Payload, want.Payload, got.Message, want.Message = nil, nil, nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("values differ:\n got %+v\nwant %+v\ninput %q", got, want, line)
		}
	})
}
