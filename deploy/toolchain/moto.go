package toolchain

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
)

// Moto returns the path of an installed moto_server: the one on PATH, else one
// under ~/.pyenv/versions/*/bin (the last in name order), since a non-login
// shell may lack pyenv's shims on PATH. moto is a Python package; it is not
// built here.
func Moto() (string, error) {
	if path, err := exec.LookPath("moto_server"); err == nil {
		return filepath.Abs(path)
	}
	if home, err := os.UserHomeDir(); err == nil {
		found, _ := filepath.Glob(filepath.Join(home, ".pyenv", "versions", "*", "bin", "moto_server"))
		sort.Sort(sort.Reverse(sort.StringSlice(found)))
		for _, path := range found {
			if isExecutable(path) {
				return path, nil
			}
		}
	}
	return "", errors.New("moto_server not found on PATH nor under ~/.pyenv/versions/*/bin: install it with pip install 'moto[server]' and put its bin folder on PATH")
}
