//go:build unix

package exporter

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// fifo makes a named pipe and reads it the way the Lambda extension does:
// open, read to end-of-file, close, again; each session's bytes are sent
// on the returned channel.
func fifo(t *testing.T) (string, <-chan []byte) {
	t.Helper()
	path := mkfifo(t)
	sessions := make(chan []byte, 16)
	done := make(chan struct{})
	go func() {
		defer close(sessions)
		for {
			f, err := os.Open(path) // blocks until a writer opens
			if err != nil {
				return
			}
			b, _ := io.ReadAll(f)
			f.Close()
			select {
			case <-done:
				return
			case sessions <- b:
			}
		}
	}()
	t.Cleanup(func() {
		close(done)
		// Unblock the reader's open with a writer of our own.
		if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	return path, sessions
}

// mkfifo makes a named pipe without a reader.
func mkfifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "otlp.pipe")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		// Named pipes exist on every Lambda runtime and on CI's machines.
		t.Fatalf("mkfifo: %v", err)
	}
	return path
}

func recv(t *testing.T, sessions <-chan []byte) []byte {
	t.Helper()
	select {
	case b := <-sessions:
		return b
	case <-time.After(5 * time.Second):
		t.Fatal("the pipe's reader got nothing")
		return nil
	}
}

// pipeSpans is a span exporter on the pipe at path whose stdout is a
// buffer, with warnings logged to another.
func pipeSpans(t *testing.T, path string) (exp *Spans, stdout, logs *bytes.Buffer) {
	t.Helper()
	stdout, logs = &bytes.Buffer{}, &bytes.Buffer{}
	c, err := newCore(otlp.Traces, Options{
		PipePath: path,
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
		Getenv:   env(EnvOutputType, "pipe", EnvServiceName, "piped"),
	}, stdout)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.cfg.out.(*pipeSink); !ok {
		t.Fatalf("output %T, want the pipe", c.cfg.out)
	}
	return &Spans{c: c}, stdout, logs
}

func TestPipeLinesAndTouch(t *testing.T) {
	path, sessions := fifo(t)
	exp, stdout, _ := pipeSpans(t, path)
	ctx := context.Background()

	if err := exp.ExportSpans(ctx, testSpans(t)); err != nil {
		t.Fatal(err)
	}
	got := recv(t, sessions)
	if bytes.Count(got, []byte("\n")) != 1 {
		t.Fatalf("reader got %d lines, want 1", bytes.Count(got, []byte("\n")))
	}
	var req coltracepb.ExportTraceServiceRequest
	if msg := decodeLine(t, got, otlp.Traces, &req); msg.Source != "piped" {
		t.Errorf("source %q", msg.Source)
	}
	equalProto(t, "request", &req, wantTraces())

	// An empty batch opens and closes the pipe: the reader sees an empty
	// session (end-of-file), which tells it the flush is complete.
	if err := exp.ExportSpans(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, sessions); len(got) != 0 {
		t.Fatalf("touch wrote %q", got)
	}
	if stdout.Len() != 0 {
		t.Fatalf("stdout got %q", stdout.Bytes())
	}
}

// TestPipeWithoutReaderFallsBack: with no reader, opening waits for one
// until the export's deadline (the reference blocks for good), then the
// line goes to stdout.
func TestPipeWithoutReaderFallsBack(t *testing.T) {
	exp, stdout, logs := pipeSpans(t, mkfifo(t))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := exp.ExportSpans(ctx, testSpans(t)); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 40*time.Millisecond {
		t.Errorf("gave up after %v, before the deadline", waited)
	}
	var req coltracepb.ExportTraceServiceRequest
	decodeLine(t, stdout.Bytes(), otlp.Traces, &req)
	if !bytes.Contains(logs.Bytes(), []byte("cannot open named pipe")) {
		t.Errorf("no warning: %s", logs.Bytes())
	}
	// A touch has nothing to fall back to: it fails.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if err := exp.ExportSpans(ctx2, nil); !errors.Is(err, syscall.ENXIO) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("touch without reader: %v", err)
	}
}

// TestPipeRemovedFallsBack: a pipe that disappears after start-up sends
// lines to stdout, and is never created as a regular file.
func TestPipeRemovedFallsBack(t *testing.T) {
	path := mkfifo(t)
	exp, stdout, _ := pipeSpans(t, path)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(context.Background(), testSpans(t)); err != nil {
		t.Fatal(err)
	}
	var req coltracepb.ExportTraceServiceRequest
	decodeLine(t, stdout.Bytes(), otlp.Traces, &req)
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the exporter created %s: %v", path, err)
	}
}
