package coldstart

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/loadtest/bootstrap"
)

// TestMeasureFloor runs the whole measurement on the floor bootstrap, two
// variants, two runs: it must build, start, trace and break down.
func TestMeasureFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("builds bootstraps")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root, err := bootstrap.ModuleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Measure(ctx, Options{Root: root, Dir: t.TempDir(), Runs: 2, InitRuns: 1,
		Functions: []bootstrap.Function{bootstrap.Floor}, Variants: []bootstrap.Variant{bootstrap.Lambda, Symbols}, Arches: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 {
		t.Fatalf("results %+v", rep.Results)
	}
	r := rep.Results[0]
	if r.Size <= 0 || r.Ready.Min <= 0 || r.First.Median < r.Ready.Median || r.HWM <= 0 || r.Init.Packages == 0 {
		t.Errorf("result %+v", r)
	}
	if len(rep.Breakdowns) != 0 {
		t.Errorf("the floor has no symbols build, but got breakdowns %v", rep.Breakdowns)
	}
	var out strings.Builder
	rep.WriteText(&out)
	if !strings.Contains(out.String(), "floor") {
		t.Errorf("report:\n%s", out.String())
	}
}
