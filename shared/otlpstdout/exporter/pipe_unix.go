//go:build unix

package exporter

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// openPipe opens the named pipe for writing. Opening a FIFO blocks until a
// reader opens it, and a blocked open(2) cannot be cancelled, so it is
// opened non-blocking and retried while there is no reader (ENXIO) until
// ctx is done. It never creates the file.
func openPipe(ctx context.Context, path string) (*os.File, error) {
	wait := time.Millisecond
	for {
		f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.ENXIO) {
			return nil, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, errors.Join(err, context.Cause(ctx))
		case <-t.C:
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}
