package svc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/otlpfwd/otlpfwd/deploy/toolchain"
)

// RIEOptions configures StartRIE. The emulator runs one function.
type RIEOptions struct {
	// Dir receives the log file, rie.log, which also holds the function's
	// output. Required.
	Dir string
	// Binary is the emulator to run. Empty: toolchain.EnsureRIE.
	Binary string
	// Bootstrap is the function's executable (a Go Lambda built for
	// provided.al2023). Required. It runs in its own folder.
	Bootstrap string
	// Env is the function's environment, KEY=VALUE. Nothing else of this
	// process's environment is passed but PATH. The emulator blanks AWS
	// credentials it does not find in its own environment, so credentials,
	// AWS_REGION and AWS_ENDPOINT_URL belong here. Added last, so it can
	// override the variables below.
	Env []string
	// Timeout is the function timeout, in whole seconds
	// (AWS_LAMBDA_FUNCTION_TIMEOUT). Zero: 3 s, AWS's default.
	Timeout time.Duration
	// MemoryMB is the reported memory size (AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
	// nothing limits it. Zero: 128.
	MemoryMB int
}

// RIE is a running Lambda Runtime Interface Emulator. Its zero value is not
// usable; call StartRIE.
type RIE struct {
	proc    *process
	addr    string
	apiAddr string
	invoke  sync.Mutex // the emulator crashes on overlapping invocations
}

// StartRIE runs aws-lambda-rie with the bootstrap, its invoke endpoint and
// its runtime API each on a free port of 127.0.0.1, and waits until the
// invoke endpoint accepts connections. The function itself starts on the
// first invocation (its cold start).
func StartRIE(ctx context.Context, opts RIEOptions) (*RIE, error) {
	env, err := rieEnv(opts)
	if err != nil {
		return nil, fmt.Errorf("start RIE: %w", err)
	}
	bin := opts.Binary
	if bin == "" {
		if bin, err = toolchain.EnsureRIE(ctx, toolchain.Options{}); err != nil {
			return nil, fmt.Errorf("start RIE: %w", err)
		}
	}
	bootstrap, err := filepath.Abs(opts.Bootstrap)
	if err != nil {
		return nil, fmt.Errorf("start RIE: %w", err)
	}
	r := &RIE{}
	start := func() (*process, error) {
		p1, err := FreePort()
		if err != nil {
			return nil, err
		}
		p2, err := FreePort()
		if err != nil {
			return nil, err
		}
		r.addr = "127.0.0.1:" + strconv.Itoa(p1)
		r.apiAddr = "127.0.0.1:" + strconv.Itoa(p2)
		return startProcessIn(filepath.Dir(bootstrap), filepath.Join(opts.Dir, "rie.log"), env, bin,
			"--runtime-interface-emulator-address", r.addr,
			"--runtime-api-address", r.apiAddr,
			bootstrap)
	}
	ready := func(ctx context.Context) error { return dial(ctx, r.addr) }
	if r.proc, err = launch(ctx, "RIE", true, start, ready); err != nil {
		return nil, fmt.Errorf("start RIE: %w", err)
	}
	return r, nil
}

func rieEnv(opts RIEOptions) ([]string, error) {
	var problems []error
	if opts.Dir == "" {
		problems = append(problems, errors.New("RIEOptions.Dir is required"))
	}
	if opts.Bootstrap == "" {
		problems = append(problems, errors.New("RIEOptions.Bootstrap is required"))
	} else if fi, err := os.Stat(opts.Bootstrap); err != nil || fi.Mode().Perm()&0o111 == 0 {
		problems = append(problems, fmt.Errorf("RIEOptions.Bootstrap %s is not an executable file", opts.Bootstrap))
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 3 * time.Second
	}
	if timeout < time.Second || timeout%time.Second != 0 {
		problems = append(problems, fmt.Errorf("RIEOptions.Timeout %v is not a whole number of seconds", opts.Timeout))
	}
	memory := opts.MemoryMB
	if memory == 0 {
		memory = 128
	}
	if memory < 0 {
		problems = append(problems, fmt.Errorf("RIEOptions.MemoryMB %d is negative", opts.MemoryMB))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(int(timeout/time.Second)),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(memory),
	}
	return append(env, opts.Env...), nil
}

// InvokeURL is the emulator's invoke endpoint, the Lambda Invoke API path for
// the one function it runs: POST the event, read the result.
func (r *RIE) InvokeURL() string {
	return "http://" + r.addr + "/2015-03-31/functions/function/invocations"
}

// RuntimeAPIAddr is the Runtime API address the function talks to.
func (r *RIE) RuntimeAPIAddr() string { return r.apiAddr }

// PID is the emulator's process id; the function runs in its process group.
func (r *RIE) PID() int { return r.proc.pid() }

// LogPath is the emulator's log file, which also holds the function's output.
func (r *RIE) LogPath() string { return r.proc.logPath }

// Stop kills the emulator and the function and waits for the emulator to
// exit. Later calls do nothing.
func (r *RIE) Stop() error { return r.proc.stop() }

// Invoke posts event to InvokeURL and returns the body of the 200 answer.
// Calls are serialized: the emulator runs one invocation at a time and
// crashes when two overlap. A handler error and a timeout are answered 200
// too; their bodies are {"errorMessage":...,"errorType":...} and
// "Task timed out after N.00 seconds".
func (r *RIE) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	r.invoke.Lock()
	defer r.invoke.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.InvokeURL(), bytes.NewReader(event))
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke (log %s): %w", r.LogPath(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("invoke: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("invoke: %s: %s (log %s)", resp.Status, body, r.LogPath())
	}
	return body, nil
}
