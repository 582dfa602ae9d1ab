package cwlogs

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
)

// FuzzParseMatchesStdlib: the one-pass parser accepts exactly what
// encoding/json accepts for a Payload, with the same values.
func FuzzParseMatchesStdlib(f *testing.F) {
	for _, name := range []string{"cwlogs/mixed.json.gz", "cwlogs/mixed-numeric-ids.json.gz", "cwlogs/control-message.json.gz", "cwlogs/plain-not-gzipped.json"} {
		b, err := os.ReadFile(fixture.Path(name))
		if err != nil {
			f.Fatal(err)
		}
		if compress.IsGzip(b) {
			if b, err = compress.Gunzip(nil, b, 0); err != nil {
				f.Fatal(err)
			}
		}
		f.Add(b)
	}
	for _, s := range []string{`null`, `{"LOGGROUP":"a","logGroup":"b","logEvents":null}`, `{"logEvents":[null,{"id":1e2,"timestamp":null}]}`,
		`{"messageType":"DATA_MESSAGE","logGroup":"g\u00e9\ud800","logEvents":[{"message":"a\"b\\\/\n","id":"x"}]}`, `{"owner":1}`, `{"logEvents":[{"timestamp":1.5}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, js []byte) {
		want := new(Payload)
		werr := json.Unmarshal(js, want)
		got, gerr := parse(js)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("encoding/json: %v; parse: %v; input %q", werr, gerr, js)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("values differ:\n got %+v\nwant %+v\ninput %q", got, want, js)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	js, err := compress.Gunzip(nil, fixture.Read(b, "cwlogs/large-1mb.json.gz"), 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("jsonlex", func(b *testing.B) {
		b.SetBytes(int64(len(js)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parse(js); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(js)))
		b.ReportAllocs()
		for b.Loop() {
			if err := json.Unmarshal(js, new(Payload)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
