package peakmem

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestProfile writes a heap profile per subject and reads its top with go
// tool pprof.
func TestProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go tool pprof")
	}
	subs, err := Subjects(5 << 19)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tops, err := Profile(context.Background(), subs, dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		top := tops[s.Name]
		if !strings.Contains(top, "inuse_space") {
			t.Errorf("%s: top:\n%s", s.Name, top)
		}
	}
	if files, _ := os.ReadDir(dir); len(files) != len(subs) {
		t.Errorf("%d profiles written, want %d", len(files), len(subs))
	}
}
