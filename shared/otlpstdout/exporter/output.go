package exporter

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// sink is where lines go.
type sink interface {
	// writeLine writes one whole line.
	writeLine(ctx context.Context, line []byte) error
	// touch opens and closes a named pipe, telling its reader that a flush
	// had nothing to write; elsewhere it does nothing.
	touch(ctx context.Context) error
}

// lineMu serializes every line this package writes, whatever the exporter
// and destination, so that lines never interleave: one Write per line
// under the lock. (A single write(2) larger than PIPE_BUF to a pipe such
// as Lambda's stdout is not atomic.) Other writers to the same stdout, such
// as fmt.Println, are not covered.
var lineMu sync.Mutex

// writerSink writes to an io.Writer: stdout or Options.Writer.
type writerSink struct{ w io.Writer }

func (s *writerSink) writeLine(_ context.Context, line []byte) error {
	lineMu.Lock()
	n, err := s.w.Write(line)
	lineMu.Unlock()
	if err == nil && n < len(line) {
		err = io.ErrShortWrite
	}
	return err
}

func (s *writerSink) touch(context.Context) error { return nil }

// pipeSink writes each line to a named pipe, opening and closing it around
// the line as the reference does (so the reader sees end-of-file after
// each batch), and falls back to stdout for a line it cannot write.
type pipeSink struct {
	path     string
	fallback sink
	log      *slog.Logger
	signal   otlp.Signal
}

func (s *pipeSink) writeLine(ctx context.Context, line []byte) error {
	f, err := openPipe(ctx, s.path)
	if err != nil {
		s.log.Warn("otlp-stdout exporter: cannot open named pipe, writing to stdout", "signal", s.signal.String(), "path", s.path, "err", err)
		return s.fallback.writeLine(ctx, line)
	}
	if dl, ok := ctx.Deadline(); ok {
		// A pipe opened by openPipe is pollable; the error (for files that
		// are not) is not a reason to fail.
		_ = f.SetWriteDeadline(dl)
	}
	lineMu.Lock()
	n, err := f.Write(line)
	lineMu.Unlock()
	cerr := f.Close()
	if err == nil {
		err = cerr
	}
	if err == nil {
		return nil
	}
	if n == 0 {
		s.log.Warn("otlp-stdout exporter: cannot write to named pipe, writing to stdout", "signal", s.signal.String(), "path", s.path, "err", err)
		return s.fallback.writeLine(ctx, line)
	}
	// Part of the line reached the pipe: writing it again to stdout
	// would deliver a duplicate.
	return fmt.Errorf("write named pipe %s: %d of %d bytes: %w", s.path, n, len(line), err)
}

func (s *pipeSink) touch(ctx context.Context) error {
	f, err := openPipe(ctx, s.path)
	if err != nil {
		return fmt.Errorf("touch named pipe %s: %w", s.path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("touch named pipe %s: %w", s.path, err)
	}
	return nil
}
