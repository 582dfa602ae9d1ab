package toolchain

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEnsureRIEConcurrent installs the emulator into an empty cache from
// several goroutines at once: each holds its own lock file descriptor, as
// separate processes would, so one builds and the others wait and reuse.
func TestEnsureRIEConcurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("go install of the emulator")
	}
	t.Setenv("OTLPFWD_CACHE", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	paths := make([]string, 3)
	var wg sync.WaitGroup
	for i := range paths {
		wg.Go(func() {
			p, err := EnsureRIE(ctx, Options{})
			if err != nil {
				t.Error(err)
			}
			paths[i] = p
		})
	}
	wg.Wait()
	for _, p := range paths[1:] {
		if p != paths[0] {
			t.Fatalf("callers got different paths: %q", paths)
		}
	}
	if !strings.Contains(paths[0], rieVersion) || !isExecutable(paths[0]) {
		t.Fatalf("EnsureRIE = %q, want an executable in a folder named after %s", paths[0], rieVersion)
	}
	fi, _ := os.Stat(paths[0])
	start := time.Now()
	again, err := EnsureRIE(ctx, Options{})
	if err != nil || again != paths[0] {
		t.Fatalf("second EnsureRIE = %q, %v", again, err)
	}
	if fi2, _ := os.Stat(again); !fi2.ModTime().Equal(fi.ModTime()) {
		t.Error("second EnsureRIE rebuilt the binary")
	}
	t.Logf("cached EnsureRIE: %v", time.Since(start))
}

// TestEnsureCollector builds the collector into the shared cache (about two
// minutes the first time on two cores) from two goroutines at once.
func TestEnsureCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the OpenTelemetry Collector")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	paths := make([]string, 2)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range paths {
		wg.Go(func() {
			var progress strings.Builder
			p, err := EnsureCollector(ctx, Options{Progress: &progress})
			if err != nil {
				t.Errorf("%v\nprogress:\n%s", err, progress.String())
			}
			paths[i] = p
		})
	}
	wg.Wait()
	t.Logf("EnsureCollector: %v", time.Since(start))
	if paths[0] == "" || paths[0] != paths[1] {
		t.Fatalf("callers got %q, want one path", paths)
	}
	out, err := exec.CommandContext(ctx, paths[0], "components").Output()
	if err != nil {
		t.Fatalf("%s components: %v", paths[0], err)
	}
	for _, want := range []string{"otlp", "file", "debug", "envprovider", "fileprovider", "yamlprovider"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("collector components lack %q:\n%s", want, out)
		}
	}
	start = time.Now()
	if _, err := EnsureCollector(ctx, Options{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("cached EnsureCollector: %v", time.Since(start))
}
