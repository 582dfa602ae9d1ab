package setup

import (
	"runtime/debug"
	"strconv"
)

// memoryShare is the part of the function's memory the Go heap may grow to
// before the collector works harder to stay under it; the rest is for the
// runtime, stacks and the process.
const memoryShare = 0.7

// SetMemoryLimit sets the Go runtime's soft memory limit to 70% of the
// function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, in MB), unless
// GOMEMLIMIT sets one. Without a limit the heap of a warm function that
// takes batch after batch grows past what a 128 MB function has (export
// merge: 136 MiB RSS after five 6 MB batches; 107 MiB with the limit:
// go run ./loadtest/cmd/peakmem). It returns the limit set, or 0.
func SetMemoryLimit(getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") != "" {
		return 0
	}
	mb, err := strconv.Atoi(getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))
	if err != nil || mb <= 0 {
		return 0
	}
	limit := int64(float64(mb) * memoryShare * (1 << 20))
	debug.SetMemoryLimit(limit)
	return limit
}
