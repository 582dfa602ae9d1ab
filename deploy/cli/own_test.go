package cli

import (
	"context"
	"slices"
	"testing"

	"github.com/otlpfwd/otlpfwd/deploy/stack"
)

// TestOwnLogGroupsUnion: the pipeline's own log groups are always the union
// of --own-log-groups, the stack's outputs and the names the template gives
// the functions' log groups.
func TestOwnLogGroupsUnion(t *testing.T) {
	env := &opsEnv{flags: stackFlags{stackName: "prod"}, stack: &stack.Stack{Name: "prod"}, outputs: &stack.Outputs{Stack: "prod", Values: map[string]string{
		stack.OutputOwnLogGroups:       "/custom/ingest, /custom/export",
		stack.OutputIngestLogGroupName: "/custom/ingest",
	}}}
	got, err := env.ownLogGroups(context.Background(), []string{"/something/else", "/aws/lambda/prod-export"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/custom/ingest", "/custom/export", "/aws/lambda/prod-ingest", "/aws/lambda/prod-export", "/something/else"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Without the flag: the stack's outputs first, in their order (the
	// account policy's selection is built from them).
	got, _ = env.ownLogGroups(context.Background(), nil)
	if !slices.Equal(got, want[:4]) {
		t.Fatalf("without the flag: %v", got)
	}
}
