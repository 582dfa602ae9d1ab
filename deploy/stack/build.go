package stack

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

// Builder compiles the Go main package in dir into the executable out, for
// Linux on goarch ("arm64" or "amd64").
type Builder interface {
	Build(ctx context.Context, dir, goarch, out string) error
}

// GoBuilder runs `go build` the way Lambda's provided runtimes want it:
// GOOS=linux, CGO_ENABLED=0, -trimpath, -ldflags "-s -w", the lambda.norpc
// tag (no RPC shim in a custom runtime) and -buildvcs=false, so that
// unchanged code gives the same bytes and an unchanged S3 key.
type GoBuilder struct {
	// Go is the go command. Empty: "go" on PATH.
	Go string
	// Env is added to this process's environment (e.g. GOFLAGS).
	Env []string
}

var _ Builder = GoBuilder{}

// Build implements Builder.
func (b GoBuilder) Build(ctx context.Context, dir, goarch, out string) error {
	gocmd := b.Go
	if gocmd == "" {
		var err error
		if gocmd, err = exec.LookPath("go"); err != nil {
			return fmt.Errorf("build %s: find the go command: %w: install Go (https://go.dev/dl) and put it on PATH", dir, err)
		}
	}
	args := []string{"build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", out, "."}
	cmd := exec.CommandContext(ctx, gocmd, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), b.Env...), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = errors.Join(err, ctx.Err())
		}
		return fmt.Errorf("GOOS=linux GOARCH=%s CGO_ENABLED=0 go %s (in %s): %w\n%s", goarch, strings.Join(args, " "), dir, err, strings.TrimSpace(output.String()))
	}
	return nil
}

// goarch maps a Lambda architecture to GOARCH.
func goarch(lambdaArch string) (string, error) {
	switch lambdaArch {
	case "arm64":
		return "arm64", nil
	case "x86_64":
		return "amd64", nil
	}
	return "", fmt.Errorf("architecture %q: Lambda takes arm64 or x86_64", lambdaArch)
}

// absDir resolves a CodeUri folder against the template's folder and checks
// that it holds Go files.
func absDir(base, codeURI string) (string, error) {
	dir := codeURI
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(base, dir)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	goFiles, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	if len(goFiles) == 0 {
		return "", fmt.Errorf("CodeUri %s: %s holds no Go files (want the folder of a main package)", codeURI, dir)
	}
	return dir, nil
}
