package bootstrap

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/ingest"
)

func lookup(env []string) func(string) string {
	return func(k string) string {
		for _, kv := range env {
			if name, v, ok := strings.Cut(kv, "="); ok && name == k {
				return v
			}
		}
		return ""
	}
}

// TestEnvStartsHandlers: the environment given to each function is one
// its FromEnv accepts, with the endpoints and mode asked for.
func TestEnvStartsHandlers(t *testing.T) {
	home := t.TempDir()
	ep := Endpoints{AWS: "http://127.0.0.1:1234", Collector: "http://127.0.0.1:5678", Mode: "passthrough"}
	env := Env(Ingest, home, ep)
	if _, err := ingest.FromEnv(context.Background(), lookup(env), &strings.Builder{}); err != nil {
		t.Errorf("ingest.FromEnv: %v", err)
	}
	env = Env(Export, home, ep)
	if _, err := export.FromEnv(context.Background(), lookup(env), &strings.Builder{}); err != nil {
		t.Errorf("export.FromEnv: %v", err)
	}
	get := lookup(env)
	if get("AWS_ENDPOINT_URL") != ep.AWS || !strings.Contains(get("OTLPFWD_COLLECTORS"), `"http://127.0.0.1:5678"`) ||
		!strings.Contains(get("OTLPFWD_COLLECTORS"), `"passthrough"`) || get("HOME") != home {
		t.Errorf("environment %q", env)
	}
	if floor := lookup(Env(Floor, home, Endpoints{})); floor("OTLPFWD_COLLECTORS") != "" || floor("AWS_ENDPOINT_URL") != nowhere {
		t.Errorf("floor environment %q", Env(Floor, home, Endpoints{}))
	}
}

// TestBuild builds the floor bootstrap as for Lambda and as a variant with
// an overlay that adds a file.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a bootstrap")
	}
	ctx := context.Background()
	root, err := ModuleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Build(ctx, root, Floor, "amd64", Lambda, filepath.Join(dir, "lambda")); err != nil {
		t.Fatal(err)
	}
	bad := Variant{Name: "broken", Custom: true, Replace: map[string]string{Floor.Dir + "/zz.go": "loadtest/bootstrap/testdata/broken.go"}}
	err = Build(ctx, root, Floor, "amd64", bad, filepath.Join(dir, "broken"))
	if err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("a variant whose overlay does not compile built: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "lambda")); err != nil || fi.Size() < 1<<20 {
		t.Fatalf("built %v, %v", fi, err)
	}
}
