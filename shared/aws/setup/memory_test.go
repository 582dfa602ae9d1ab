package setup

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestSetMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(math.MaxInt64)
	env := map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128"}
	get := func(k string) string { return env[k] }
	mb, share := 128.0, 0.7
	if got := SetMemoryLimit(get); got != int64(mb*share*(1<<20)) || debug.SetMemoryLimit(-1) != got {
		t.Fatalf("limit %d, runtime %d", got, debug.SetMemoryLimit(-1))
	}
	env["GOMEMLIMIT"] = "50MiB"
	if got := SetMemoryLimit(get); got != 0 {
		t.Fatalf("GOMEMLIMIT set, yet limit %d", got)
	}
	delete(env, "GOMEMLIMIT")
	env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "x"
	if got := SetMemoryLimit(get); got != 0 {
		t.Fatalf("bad size, limit %d", got)
	}
}
