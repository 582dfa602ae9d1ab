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

// TestLocalAWS: --aws needs an explicit subscription role and asks before
// creating anything in a real account, listing what it will create.
func TestLocalAWS(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--aws"}, "--aws needs --subscription-role-arn"},
		{[]string{"--subscription-role-arn", "arn:aws:iam::1:role/r"}, "--subscription-role-arn goes with --aws"},
		{[]string{"--aws", "--subscription-role-arn", "arn:aws:iam::1:role/r"}, "refusing to create resources in your AWS account without confirmation"},
	} {
		code, stdout, stderr := run(t, nil, append([]string{"local"}, c.args...)...)
		if code != ExitUsage || !strings.Contains(stderr, c.want) || stdout != "" {
			t.Errorf("local %v: exit %d, %s; want exit 2 and %q", c.args, code, stderr, c.want)
		}
	}
	// At a terminal: the list, then the question; declining creates nothing
	// (no AWS call is made before the answer).
	var out, errOut bytes.Buffer
	cmd := newLocalCmdWith(IO{In: strings.NewReader("n\n"), Out: &out, Err: &errOut}, func(io.Reader) bool { return true })
	cmd.SetArgs([]string{"--aws", "--subscription-role-arn", "arn:aws:iam::1:role/r", "--region", "eu-west-1", "--services", "2", "--raw-shards", "4"})
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.ExecuteContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), "declined: nothing was changed") {
		t.Fatalf("declined: %v\n%s", err, errOut.String())
	}
	list, _, _ := strings.Cut(errOut.String(), "Create them? [y/N]")
	for _, w := range []string{"region eu-west-1", "Kinesis stream otlpfwd-local-raw (4 shards", "Kinesis stream otlpfwd-local-export (2 shards", "SQS queue otlpfwd-local-dlq",
		"Secrets Manager secret otlpfwd-local/collectors/local", "log group /aws/lambda/"} {
		if !strings.Contains(list, w) {
			t.Errorf("the list before the question lacks %q:\n%s", w, list)
		}
	}
	if n := strings.Count(list, "log group "); n != 2 {
		t.Errorf("%d log groups listed, want 2 (--services 2):\n%s", n, list)
	}
}
