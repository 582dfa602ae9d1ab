package local

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"slices"
	"testing"

	"github.com/otlpfwd/otlpfwd/deploy/svc"
	"github.com/otlpfwd/otlpfwd/deploy/svc/svctest"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/record"
)

// startMoto starts a moto server for one test, with clients for it.
func startMoto(t *testing.T) (*svc.Moto, *AWS) {
	t.Helper()
	m := svctest.Moto(t)
	a, err := NewAWS(context.Background(), m.URL(), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	return m, a
}

// fixtureLines returns the lines of envelope fixtures, and their test ids.
func fixtureLines(t *testing.T, names ...string) ([]string, []string) {
	t.Helper()
	var lines, ids []string
	m := fixture.Load(t)
	for _, n := range names {
		sc := bufio.NewScanner(bytes.NewReader(fixture.Read(t, n)))
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		ids = append(ids, m.Files[n].TestIDs...)
	}
	slices.Sort(ids)
	return lines, ids
}

// tier2IDs decodes tier-2 records and returns the sorted test ids of their
// items, per collector.
func tier2IDs(t *testing.T, data [][]byte) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, d := range data {
		r, err := record.Unmarshal(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range r.Items {
			raw, err := it.AppendRaw(nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ids, err := fixture.TestIDs(r.Signal, raw)
			if err != nil {
				t.Fatal(err)
			}
			out[r.Collector] = append(out[r.Collector], ids...)
		}
	}
	for c := range out {
		slices.Sort(out[c])
	}
	return out
}

func envFunc(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// testOutput is where in-process handlers log: stderr under -v.
func testOutput(t *testing.T) io.Writer {
	if testing.Verbose() {
		return os.Stderr
	}
	return io.Discard
}
