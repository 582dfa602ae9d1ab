package svc

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// buildLambda compiles testdata/lambdafn into a temporary bootstrap.
func buildLambda(t *testing.T) string {
	t.Helper()
	bootstrap := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-tags", "lambda.norpc", "-o", bootstrap, "./testdata/lambdafn")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build test Lambda: %v\n%s", err, out)
	}
	return bootstrap
}

func TestRIE(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Lambda and starts the Runtime Interface Emulator")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	bootstrap := buildLambda(t)
	start := time.Now()
	r, err := StartRIE(ctx, RIEOptions{
		Dir:       t.TempDir(),
		Bootstrap: bootstrap,
		Env: []string{
			"AWS_ACCESS_KEY_ID=AKIDTEST",
			"AWS_SECRET_ACCESS_KEY=secret",
			"AWS_REGION=eu-west-1",
			"AWS_ENDPOINT_URL=http://127.0.0.1:1",
		},
		Timeout:  time.Second,
		MemoryMB: 256,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Stop() })
	t.Logf("RIE ready in %v at %s (pid %d)", time.Since(start), r.InvokeURL(), r.PID())

	invoke := func(event string) string {
		t.Helper()
		start := time.Now()
		body, err := r.Invoke(ctx, []byte(event))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("invoke %s: %v: %s", event, time.Since(start), body)
		return string(body)
	}

	// Echo, first on a cold start. Credentials, region and endpoint reach the
	// function; memory and deadline follow the options.
	for range 2 {
		var got struct {
			Message     string `json:"message"`
			AccessKeyID string `json:"access_key_id"`
			Region      string `json:"region"`
			EndpointURL string `json:"endpoint_url"`
			MemoryMB    int    `json:"memory_mb"`
			DeadlineMS  int64  `json:"deadline_ms"`
		}
		body := invoke(`{"action":"echo","message":"hi"}`)
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("echo answered %q: %v", body, err)
		}
		if got.Message != "hi" || got.AccessKeyID != "AKIDTEST" || got.Region != "eu-west-1" ||
			got.EndpointURL != "http://127.0.0.1:1" || got.MemoryMB != 256 ||
			got.DeadlineMS <= 0 || got.DeadlineMS > 1000 {
			t.Fatalf("echo answered %+v", got)
		}
	}

	// A handler error is a 200 whose body is the error; errorType is the Go
	// type's name: {"errorMessage":"boom","errorType":"errorString"}
	if got, want := invoke(`{"action":"error","message":"boom"}`), `{"errorMessage":"boom","errorType":"errorString"}`; got != want {
		t.Errorf("error answered %q, want %q", got, want)
	}

	// A timeout is a 200 whose body is plain text, not JSON:
	// Task timed out after 1.00 seconds
	if got, want := invoke(`{"action":"sleep"}`), "Task timed out after 1.00 seconds"; got != want {
		t.Errorf("sleep answered %q, want %q", got, want)
	}

	// After a timeout the emulator starts the function again.
	if body := invoke(`{"action":"echo","message":"again"}`); !json.Valid([]byte(body)) {
		t.Errorf("echo after a timeout answered %q", body)
	}

	// The emulator runs the function in a process group of its own; Stop
	// must kill it too, even in the middle of an invocation.
	go r.Invoke(ctx, []byte(`{"action":"sleep"}`))
	for deadline := time.Now().Add(10 * time.Second); len(descendants(r.PID())) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no function process under the emulator %d after 10 s", r.PID())
		}
	}
	assertStopped(t, r.PID(), r.Stop)
}

func TestStartRIEOptions(t *testing.T) {
	_, err := StartRIE(t.Context(), RIEOptions{Timeout: 1500 * time.Millisecond, MemoryMB: -1})
	if err == nil {
		t.Fatal("StartRIE with bad options succeeded")
	}
	t.Log(err)
}
