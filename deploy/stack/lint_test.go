package stack

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// cfnLint finds cfn-lint: on PATH, else under ~/.pyenv/versions/*/bin (the
// machine image installs it beside moto, whose CloudFormation uses it).
func cfnLint() string {
	if p, err := exec.LookPath("cfn-lint"); err == nil {
		if exec.Command(p, "--version").Run() == nil {
			return p
		}
	}
	home, _ := os.UserHomeDir()
	found, _ := filepath.Glob(filepath.Join(home, ".pyenv", "versions", "*", "bin", "cfn-lint"))
	sort.Sort(sort.Reverse(sort.StringSlice(found)))
	for _, p := range found {
		if exec.Command(p, "--version").Run() == nil {
			return p
		}
	}
	return ""
}

// TestCfnLint runs cfn-lint (which also runs the SAM transform) on
// template.yaml, informational checks included: any finding fails.
func TestCfnLint(t *testing.T) {
	lint := cfnLint()
	if lint == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("cfn-lint is not installed, and CI must lint the template (pip install cfn-lint)")
		}
		t.Skip("cfn-lint is not installed (pip install cfn-lint); outside CI the lint is skipped")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, lint, "--include-checks", "I", "--", templatePath).CombinedOutput()
	if err != nil {
		t.Fatalf("%s template.yaml: %v\n%s", lint, err, out)
	}
}
