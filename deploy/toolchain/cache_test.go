package toolchain

import (
	"path/filepath"
	"testing"
)

func TestCacheDir(t *testing.T) {
	tests := []struct {
		name         string
		otlpfwd, xdg string
		home         string
		want         string
	}{
		{name: "OTLPFWD_CACHE wins", otlpfwd: "/a/cache", xdg: "/x", home: "/h", want: "/a/cache"},
		{name: "XDG_CACHE_HOME", xdg: "/x", home: "/h", want: "/x/otlpfwd"},
		{name: "home", home: "/h", want: "/h/.cache/otlpfwd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OTLPFWD_CACHE", tt.otlpfwd)
			t.Setenv("XDG_CACHE_HOME", tt.xdg)
			t.Setenv("HOME", tt.home)
			got, err := CacheDir()
			if err != nil {
				t.Fatal(err)
			}
			if got != filepath.FromSlash(tt.want) {
				t.Errorf("CacheDir() = %q, want %q", got, tt.want)
			}
		})
	}
}
