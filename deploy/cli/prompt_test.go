package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// TestConfirmInterrupted: an interrupt (ctx ends) while the prompt waits
// for an answer that never comes stops the wait at once.
func TestConfirmInterrupted(t *testing.T) {
	in, w := io.Pipe() // nothing is ever written: the read blocks
	defer w.Close()
	var errOut bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	ok, err := confirm(ctx, IO{In: in, Err: &errOut}, "Go ahead? [y/N] ")
	if ok || !errors.Is(err, ErrInterrupted) || time.Since(start) > 5*time.Second {
		t.Fatalf("ok %v, err %v after %s", ok, err, time.Since(start))
	}
	if err := (&confirmable{}).ask(ctx, IO{In: in, Err: io.Discard}, "Go ahead?"); !errors.Is(err, ErrInterrupted) || exitCode(ctx, err) != ExitInterrupted {
		t.Fatalf("ask: %v, exit %d; want 130", err, exitCode(ctx, err))
	}
	// Answers still work.
	for answer, want := range map[string]bool{"y\n": true, "YES\n": true, "n\n": false, "": false, "sure\n": false} {
		ok, err := confirm(context.Background(), IO{In: strings.NewReader(answer), Err: io.Discard}, "? ")
		if ok != want || err != nil {
			t.Errorf("answer %q: %v %v", answer, ok, err)
		}
	}
}

func TestExitCode(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	bg := context.Background()
	for _, c := range []struct {
		ctx  context.Context
		err  error
		want int
	}{
		{bg, nil, ExitOK},
		{bg, errors.New("boom"), ExitError},
		{bg, usageError{errors.New("--x")}, ExitUsage},
		{bg, ErrInterrupted, ExitInterrupted},
		{cancelled, errors.New("interrupted: 3 dead letters left"), ExitInterrupted},
		{cancelled, usageError{errors.New("--x")}, ExitUsage},
	} {
		if got := exitCode(c.ctx, c.err); got != c.want {
			t.Errorf("exitCode(%v): %d, want %d", c.err, got, c.want)
		}
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := run(t, nil, "--version")
	if code != ExitOK || !strings.HasPrefix(stdout, "otlpfwd ") || !strings.Contains(stdout, "go1.") {
		t.Fatalf("--version: exit %d, %q", code, stdout)
	}
}

func TestLocalOutput(t *testing.T) {
	for in, want := range map[string]string{"table": "table", "text": "table", "json": "json"} {
		if got, err := localOutput(in); got != want || err != nil {
			t.Errorf("localOutput(%q) = %q, %v", in, got, err)
		}
	}
	code, _, stderr := run(t, nil, "local", "-o", "yaml")
	if code != ExitUsage || !strings.Contains(stderr, `--output "yaml": want table or json`) {
		t.Fatalf("local -o yaml: exit %d, %s", code, stderr)
	}
}
