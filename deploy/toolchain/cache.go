package toolchain

import (
	"errors"
	"os"
	"path/filepath"
)

// CacheDir returns the folder that holds built binaries: $OTLPFWD_CACHE if
// set, else $XDG_CACHE_HOME/otlpfwd, else ~/.cache/otlpfwd. It does not create
// the folder.
func CacheDir() (string, error) {
	if dir := os.Getenv("OTLPFWD_CACHE"); dir != "" {
		return filepath.Abs(dir)
	}
	if dir := os.Getenv("XDG_CACHE_HOME"); dir != "" {
		return filepath.Join(dir, "otlpfwd"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.New("cache dir: neither OTLPFWD_CACHE, XDG_CACHE_HOME nor HOME is set: set OTLPFWD_CACHE to a writable folder")
	}
	return filepath.Join(home, ".cache", "otlpfwd"), nil
}
