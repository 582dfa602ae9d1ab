package bootstrap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/otlpfwd/otlpfwd/deploy/stack"
)

// Function is a main package of this module that Lambda runs as bootstrap.
type Function struct {
	// Name is "ingest", "export" or "floor".
	Name string
	// Dir is the main package's folder relative to the module root.
	Dir string
}

// The functions measured. Floor is the least a Go bootstrap can be
// (loadtest/coldstart/floor), the baseline of the others.
var (
	Ingest = Function{Name: "ingest", Dir: "ingest/lambda"}
	Export = Function{Name: "export", Dir: "export/lambda"}
	Floor  = Function{Name: "floor", Dir: "loadtest/coldstart/floor"}
)

// Variant is a way to build a bootstrap. Its zero value builds like
// Lambda (see Lambda).
type Variant struct {
	// Name labels the variant in reports.
	Name string
	// Note says what the variant changes and why it is measured.
	Note string
	// Custom is set for every variant but Lambda: the build then runs `go
	// build` itself with Tags and LDFlags instead of deploy/stack's builder.
	Custom  bool
	Tags    []string
	LDFlags string
	// Replace maps source files (module-relative) to replacement files
	// (module-relative), applied with go build -overlay: the variant's
	// change, measured without touching the tree.
	Replace map[string]string
}

// Lambda builds as deploy/stack does for a deployment (stack.GoBuilder):
// GOOS=linux, CGO_ENABLED=0, -trimpath, -buildvcs=false, -tags
// lambda.norpc, -ldflags "-s -w".
var Lambda = Variant{Name: "lambda", Note: "as deploy/stack builds it: linux, CGO_ENABLED=0, -trimpath, -tags lambda.norpc, -ldflags \"-s -w\""}

// Build compiles fn for linux/goarch into out. root is the module root.
func Build(ctx context.Context, root string, fn Function, goarch string, v Variant, out string) error {
	dir := filepath.Join(root, filepath.FromSlash(fn.Dir))
	if !v.Custom {
		if err := (stack.GoBuilder{}).Build(ctx, dir, goarch, out); err != nil {
			return fmt.Errorf("build %s: %w", fn.Name, err)
		}
		return nil
	}
	args := []string{"build", "-trimpath", "-buildvcs=false"}
	if len(v.Tags) > 0 {
		args = append(args, "-tags", strings.Join(v.Tags, ","))
	}
	if v.LDFlags != "" {
		args = append(args, "-ldflags", v.LDFlags)
	}
	if len(v.Replace) > 0 {
		ov, err := writeOverlay(root, v.Replace, filepath.Dir(out))
		if err != nil {
			return fmt.Errorf("build %s (%s): %w", fn.Name, v.Name, err)
		}
		args = append(args, "-overlay", ov)
	}
	args = append(args, "-o", out, ".")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s (%s): GOARCH=%s go %s: %w\n%s", fn.Name, v.Name, goarch, strings.Join(args, " "), err, output.Bytes())
	}
	return nil
}

// writeOverlay writes go build's overlay file into dir.
func writeOverlay(root string, replace map[string]string, dir string) (string, error) {
	ov := struct{ Replace map[string]string }{Replace: map[string]string{}}
	for from, to := range replace {
		abs := filepath.Join(root, filepath.FromSlash(to))
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("overlay: %w", err)
		}
		ov.Replace[filepath.Join(root, filepath.FromSlash(from))] = abs
	}
	b, err := json.Marshal(ov)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "overlay-*.json")
	if err != nil {
		return "", fmt.Errorf("overlay: %w", err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// ModuleRoot returns the folder of this module's go.mod, as the go command
// run in the current folder sees it.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the otlpfwd checkout")
	}
	root := filepath.Dir(mod)
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(Export.Dir))); err != nil {
		return "", fmt.Errorf("module %s has no %s: run from the otlpfwd checkout", root, Export.Dir)
	}
	return root, nil
}
