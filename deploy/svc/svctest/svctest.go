// Package svctest starts the local stand-ins for one test: moto and the
// real OpenTelemetry Collector, stopped when the test ends and skipped
// under -short; and reads back what the collector stored. Only tests
// import it.
package svctest

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/deploy/svc"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// Moto starts a moto server for the test.
func Moto(t testing.TB) *svc.Moto {
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
	return m
}

// Collector starts a real OpenTelemetry Collector for the test (built
// once and cached; the first build takes minutes), failing with 503 when
// failing is true.
func Collector(t testing.TB, failing bool) *svc.Collector {
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

// CollectorIDs reads what the collector's file exporter wrote and returns
// the sorted test.id of every item, over all signals.
func CollectorIDs(t testing.TB, c *svc.Collector) []string {
	t.Helper()
	var ids []string
	for _, s := range []svc.Signal{svc.Traces, svc.Metrics, svc.Logs} {
		b, err := os.ReadFile(c.OutputPath(s))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		sig, err := otlp.ParseSignal(string(s))
		if err != nil {
			t.Fatal(err)
		}
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
