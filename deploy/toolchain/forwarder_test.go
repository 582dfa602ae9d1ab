package toolchain

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestCollectorKeyUnchanged pins the test collector's cache key to its
// configuration alone: adding the forwarder variant must not rebuild it.
func TestCollectorKeyUnchanged(t *testing.T) {
	gt := goTool{path: "/usr/bin/go", version: "go1.26.0", platform: "linux/amd64"}
	if buildKey(builderConfig, gt) == buildKey(forwarderConfig, gt) {
		t.Fatal("the collector and the forwarder share a cache key")
	}
	if strings.Contains(builderConfig, "otlphttpexporter") || !strings.Contains(forwarderConfig, "otlphttpexporter") {
		t.Fatal("builder configurations mixed up")
	}
}

// TestEnsureForwarder builds the forwarder into the shared cache (about two
// minutes the first time on two cores) and checks its components.
func TestEnsureForwarder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the OpenTelemetry Collector")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var progress strings.Builder
	path, err := EnsureForwarder(ctx, Options{Progress: &progress})
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	out, err := exec.CommandContext(ctx, path, "components").Output()
	if err != nil {
		t.Fatalf("%s components: %v", path, err)
	}
	for _, want := range []string{"otlp", "batch", "otlphttp", "envprovider", "fileprovider", "yamlprovider"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("forwarder components lack %q:\n%s", want, out)
		}
	}
}
