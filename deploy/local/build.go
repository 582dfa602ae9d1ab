package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ModulePath is the Go module the bootstraps are built from.
const ModulePath = "github.com/otlpfwd/otlpfwd"

// SourceRoot finds the otlpfwd source tree: the directory holding go.mod of
// ModulePath, searched from dir upwards.
func SourceRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module "+ModulePath)) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no otlpfwd source tree at or above %s: run from a checkout, or use --in-process", dir)
		}
	}
}

// Bootstraps are the two Lambda binaries built for this machine.
type Bootstraps struct {
	Ingest, Export string
}

// BuildBootstraps builds ./ingest/lambda and ./export/lambda of the source
// tree at root into dir, as the Lambda runtime would run them (static,
// stripped), for this machine's OS and architecture so RIE can run them.
func BuildBootstraps(ctx context.Context, root, dir string) (Bootstraps, error) {
	b := Bootstraps{Ingest: filepath.Join(dir, "ingest", "bootstrap"), Export: filepath.Join(dir, "export", "bootstrap")}
	for pkg, out := range map[string]string{"./ingest/lambda": b.Ingest, "./export/lambda": b.Export} {
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			msg := strings.TrimSpace(stderr.String())
			if errors.Is(err, exec.ErrNotFound) {
				msg = "the go command is not on PATH"
			}
			return b, fmt.Errorf("build %s: %v: %s", pkg, err, msg)
		}
	}
	return b, nil
}
