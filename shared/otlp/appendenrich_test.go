package otlp

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestAppendEnrichMatchesEnrich(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "envelope", "v0.17.3-multi-service.1.expected.pb"))
	if err != nil {
		t.Fatal(err)
	}
	prefix := []byte("prefix")
	for _, attrs := range [][]Attr{AWSResource("1", "eu-west-1", "/aws/lambda/x", "s"), {{Key: "service.name", Str: "already set"}}, nil} {
		want := append(append([]byte{}, prefix...), Enrich(Traces, b, attrs)...)
		got := AppendEnrich(append([]byte{}, prefix...), Traces, b, attrs)
		if !bytes.Equal(got, want) {
			t.Fatalf("attrs %v: AppendEnrich differs from prefix+Enrich", attrs)
		}
	}
}
