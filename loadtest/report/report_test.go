package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/otlpfwd/otlpfwd/loadtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sample is testdata/result.json, a 60 s run's Result.
func sample(t *testing.T) loadtest.Result {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r loadtest.Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("decode testdata/result.json: %v", err)
	}
	return r
}

func sampleReport(t *testing.T) Report {
	return New(sample(t), loadtest.DefaultPrices(), loadtest.Arm64)
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test -update rewrites it); got:\n%s", path, got)
	}
}
