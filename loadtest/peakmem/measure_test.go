package peakmem

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/loadtest/bootstrap"
)

// TestMeasureSmall runs the whole measurement once on small batches: both
// builds of both bootstraps must run, deliver every span and report.
func TestMeasureSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds bootstraps")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root, err := bootstrap.ModuleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Measure(ctx, Options{Root: root, Dir: t.TempDir(), Runs: 1, BatchBytes: 5 << 19})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 3 {
		t.Fatalf("results %+v", rep.Results)
	}
	for _, r := range rep.Results {
		if r.Spans == 0 || r.PeakRSS < r.IdleRSS || r.IdleRSS <= 0 || r.Heap.Objects <= 0 || r.GC.GCs == 0 {
			t.Errorf("%s: %+v", r.Subject, r)
		}
	}
	var out strings.Builder
	rep.WriteText(&out)
	if !strings.Contains(out.String(), "export passthrough") {
		t.Errorf("report:\n%s", out.String())
	}
}
