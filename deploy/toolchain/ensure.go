package toolchain

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// ensure returns dir/bin, building it first if it is missing. build fills a
// fresh temporary folder that is then renamed to dir, under a lock on
// dir+".lock" so that concurrent callers build once.
func ensure(ctx context.Context, dir, bin string, build func(tmp string) error) (string, error) {
	path := filepath.Join(dir, bin)
	if isExecutable(path) {
		return path, nil
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("create cache folder: %w: set OTLPFWD_CACHE to a writable folder", err)
	}
	err := withLock(ctx, dir+".lock", func() error {
		if isExecutable(path) {
			return nil // another process built it while we waited
		}
		// Leftovers of a build that died, or a folder someone emptied.
		stale, _ := filepath.Glob(dir + ".tmp-*")
		for _, s := range append(stale, dir) {
			if err := os.RemoveAll(s); err != nil {
				return fmt.Errorf("remove stale %s: %w", s, err)
			}
		}
		tmp, err := os.MkdirTemp(parent, filepath.Base(dir)+".tmp-")
		if err != nil {
			return fmt.Errorf("create build folder: %w", err)
		}
		defer os.RemoveAll(tmp) // a no-op once renamed
		if err := build(tmp); err != nil {
			return err
		}
		if !isExecutable(filepath.Join(tmp, bin)) {
			return fmt.Errorf("build left no executable %s in %s", bin, tmp)
		}
		if err := os.Rename(tmp, dir); err != nil {
			return fmt.Errorf("move build into the cache: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return path, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
