package compare

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/deploy/toolchain"
	"github.com/otlpfwd/otlpfwd/loadtest/bootstrap"
	"github.com/otlpfwd/otlpfwd/loadtest/sink"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// The test binary doubles as the sink process.
func TestMain(m *testing.M) {
	if os.Getenv("OTLPFWD_TEST_SINK") == "1" {
		if err := sink.Main("127.0.0.1:0", os.Stdout); err != nil {
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// TestRunTiny runs every subject on a tiny input: the Collector (built
// once into the cache, about two minutes), export in-process both ways and
// the bootstrap process. It checks that the harness works and counts every
// span, not any speed.
func TestRunTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the forwarder Collector and a bootstrap")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	fwd, err := toolchain.EnsureForwarder(ctx, toolchain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	root, err := bootstrap.ModuleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "export")
	if err := bootstrap.Build(ctx, root, bootstrap.Export, runtime.GOARCH, bootstrap.Lambda, bin); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OTLPFWD_TEST_SINK", "1")
	rep, err := Run(ctx, Options{Requests: 30, Warm: 3, Conns: 2, Forwarder: fwd, ExportBinary: bin, Dir: dir,
		StartSink: func(ctx context.Context) (*sink.Process, error) { return sink.Start(ctx, os.Args[0]) }})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"collector", "export merge, http sender", "export merge, null sender", "export merge, bootstrap process",
		"export passthrough, http sender", "export passthrough, null sender", "export passthrough, bootstrap process"}
	if len(rep.Results) != len(want) {
		t.Fatalf("%d results, want %d", len(rep.Results), len(want))
	}
	for i, m := range rep.Results {
		// Other processes' CPU is read from /proc in 10 ms ticks: a tiny
		// input may take none.
		inProcess := strings.HasSuffix(m.Name, "sender")
		if m.Name != want[i] || m.Spans != 3000 || m.CPU < 0 || inProcess && m.CPU == 0 {
			t.Errorf("result %d: %+v", i, m)
		}
		if strings.Contains(m.Name, string(route.ModePassthrough)) && m.Name != "export passthrough, null sender" && m.WireBytes == 0 {
			t.Errorf("%s sent nothing", m.Name)
		}
	}
	if len(rep.Floors) != 5 || rep.Floors[FloorFull].Spans != 3000 {
		t.Errorf("floors %+v", rep.Floors)
	}
	var out strings.Builder
	rep.WriteText(&out)
	if !strings.Contains(out.String(), "x Collector") {
		t.Errorf("report:\n%s", out.String())
	}
}
