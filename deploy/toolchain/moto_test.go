package toolchain

import (
	"os"
	"strings"
	"testing"
)

func TestMotoMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	_, err := Moto()
	if err == nil || !strings.Contains(err.Error(), "pip install 'moto[server]'") {
		t.Fatalf("Moto() with nothing installed = %v, want an error telling to pip install", err)
	}
}

func TestMotoFound(t *testing.T) {
	path, err := Moto()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI has moto: %v", err)
		}
		t.Skip(err) // not installed on this machine
	}
	if !isExecutable(path) {
		t.Fatalf("Moto() = %q, not an executable", path)
	}
}
