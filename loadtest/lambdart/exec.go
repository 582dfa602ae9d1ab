package lambdart

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"syscall"
	"time"

	"github.com/otlpfwd/otlpfwd/loadtest/procstat"
)

// Invoke describes one run of a bootstrap under a fresh Server.
type Invoke struct {
	// Binary is the bootstrap to exec.
	Binary string
	// Env is its whole environment; AWS_LAMBDA_RUNTIME_API is added.
	Env []string
	// Events are served in order; the run ends when all are answered.
	// None: the run ends at the first poll (a cold start).
	Events [][]byte
	// Timeout bounds the whole run. Default 2 minutes.
	Timeout time.Duration
	// Hold pauses the run after the first Warm events are answered (or
	// after init when Warm is 0) to read the idle process: Run.Warm.
	Hold bool
	Warm int
}

// Mark is a process's state at the hold.
type Mark struct {
	At  time.Time
	CPU procstat.Times
	Mem procstat.Mem
}

// Run is what one Invoke measured.
type Run struct {
	// Ready runs from just before exec to the first GET /invocation/next.
	Ready time.Duration
	// Results are the answers, in order; Total runs from exec to the last.
	Results []Result
	Total   time.Duration
	// Mem and CPU are the process's, read after the last answer (or the
	// first poll) and before it is killed.
	Mem procstat.Mem
	CPU procstat.Times
	// Warm is the process read at the hold (Invoke.Hold).
	Warm Mark
	// Stderr is what the bootstrap wrote there (GODEBUG traces go there);
	// Stdout its log lines.
	Stderr, Stdout []byte
}

// Exec starts inv.Binary against a new fake Runtime API and waits until it
// is ready and, if there are events, has answered them all; then kills it.
func Exec(ctx context.Context, inv Invoke) (Run, error) {
	if inv.Timeout <= 0 {
		inv.Timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, inv.Timeout)
	defer cancel()
	srv, err := Start(Options{Events: inv.Events, Hold: inv.Hold, HoldAt: inv.Warm})
	if err != nil {
		return Run{}, err
	}
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(inv.Binary)
	cmd.Env = append(append([]string(nil), inv.Env...), "AWS_LAMBDA_RUNTIME_API="+srv.Addr())
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	exited := make(chan error, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Run{}, fmt.Errorf("exec %s: %w", inv.Binary, err)
	}
	go func() { exited <- cmd.Wait() }()
	var run Run
	fail := func(err error) (Run, error) {
		cmd.Process.Kill()
		<-exited
		return run, fmt.Errorf("%s: %w\nstderr:\n%s\nstdout:\n%s", inv.Binary, err, tail(stderr.Bytes()), tail(stdout.Bytes()))
	}
	var first time.Time
	select {
	case first = <-srv.Polls():
	case body := <-srv.InitErrors():
		return fail(fmt.Errorf("init error: %s", body))
	case err := <-exited:
		exited <- err
		return fail(fmt.Errorf("exited before polling for an event: %v", err))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	run.Ready = first.Sub(start)
	pid := cmd.Process.Pid
	for i := range len(inv.Events) + 1 {
		if inv.Hold && i == inv.Warm {
			select {
			case <-srv.Held():
			case err := <-exited:
				exited <- err
				return fail(fmt.Errorf("exited after %d invocations: %v", i, err))
			case <-ctx.Done():
				return fail(ctx.Err())
			}
			if run.Warm.CPU, err = procstat.CPUTimes(pid); err != nil {
				return fail(err)
			}
			if run.Warm.Mem, err = procstat.Memory(pid); err != nil {
				return fail(err)
			}
			run.Warm.At = time.Now()
			srv.Release()
		}
		if i == len(inv.Events) {
			break
		}
		select {
		case r := <-srv.Results():
			run.Results = append(run.Results, r)
			run.Total = r.Done.Sub(start)
		case err := <-exited:
			exited <- err
			return fail(fmt.Errorf("exited during an invocation: %v", err))
		case <-ctx.Done():
			return fail(fmt.Errorf("waiting for invocation %d: %w", len(run.Results), ctx.Err()))
		}
	}
	if run.Mem, err = procstat.Memory(pid); err != nil {
		return fail(err)
	}
	if run.CPU, err = procstat.CPUTimes(pid); err != nil {
		return fail(err)
	}
	cmd.Process.Kill()
	<-exited
	run.Stdout, run.Stderr = stdout.Bytes(), stderr.Bytes()
	return run, nil
}

func tail(b []byte) []byte {
	if len(b) > 4<<10 {
		return b[len(b)-4<<10:]
	}
	return b
}
