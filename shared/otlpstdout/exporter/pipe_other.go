//go:build !unix

package exporter

import (
	"context"
	"os"
)

// openPipe opens the named pipe for writing. It never creates the file.
func openPipe(ctx context.Context, path string) (*os.File, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY, 0)
}
