package toolchain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// goTool is the Go command that builds the binaries.
type goTool struct {
	path     string // absolute path of the go command
	version  string // go env GOVERSION, e.g. go1.26.8
	platform string // GOOS/GOARCH
}

// findGo locates the go command on PATH and asks it for its version.
func findGo(ctx context.Context) (goTool, error) {
	path, err := exec.LookPath("go")
	if err != nil {
		return goTool{}, fmt.Errorf("find the go command: %w: install Go (https://go.dev/dl) and put its bin folder on PATH", err)
	}
	out, err := exec.CommandContext(ctx, path, "env", "GOVERSION", "GOOS", "GOARCH").Output()
	if err != nil {
		return goTool{}, fmt.Errorf("%s env GOVERSION GOOS GOARCH: %w", path, err)
	}
	f := strings.Fields(string(out))
	if len(f) != 3 {
		return goTool{}, fmt.Errorf("%s env GOVERSION GOOS GOARCH: unexpected output %q", path, out)
	}
	return goTool{path: path, version: f[0], platform: f[1] + "/" + f[2]}, nil
}

// run runs a build command in dir with env added to this process's
// environment. Output goes to progress; on failure the error carries the end
// of it. A cancelled ctx kills the command's whole process group.
func run(ctx context.Context, progress io.Writer, dir string, env []string, name string, args ...string) error {
	tail := &tailBuffer{max: 4 << 10}
	out := io.MultiWriter(progress, tail)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	fmt.Fprintf(progress, "otlpfwd: (in %s) %s %s\n", dir, name, strings.Join(args, " "))
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = errors.Join(err, ctxErr)
		}
		return fmt.Errorf("%s %s (in %s): %w\n--- end of its output ---\n%s", name, strings.Join(args, " "), dir, err, tail.String())
	}
	return nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf bytes.Buffer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return t.buf.String() }
