package local

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/deploy/svc"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/record"
)

// startMoto starts a moto server for one test.
func startMoto(t *testing.T) (*svc.Moto, *AWS) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts moto server (skipped with -short)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := svc.StartMoto(ctx, svc.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	a, err := NewAWS(ctx, m.URL(), "us-east-1")
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

// startCollector starts a real OpenTelemetry Collector for one test.
func startCollector(t *testing.T, failing bool) *svc.Collector {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the OpenTelemetry Collector (skipped with -short)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	c, err := svc.StartCollector(ctx, svc.CollectorOptions{Dir: t.TempDir(), Failing: failing})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// collectorIDs reads what the collector's file exporter wrote and returns
// the sorted test ids of every item, over all signals.
func collectorIDs(t *testing.T, c *svc.Collector) []string {
	t.Helper()
	var ids []string
	for _, s := range []svc.Signal{svc.Traces, svc.Metrics, svc.Logs} {
		b, err := os.ReadFile(c.OutputPath(s))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		sig, _ := otlp.ParseSignal(string(s))
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			pb, err := otlp.UnmarshalJSON(sig, sc.Bytes())
			if err != nil {
				t.Fatalf("collector output %s: %v", s, err)
			}
			got, err := fixture.TestIDs(sig, pb)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, got...)
		}
	}
	slices.Sort(ids)
	return ids
}
