//go:build race

package otlp

// The race detector makes sync.Pool drop entries at random, so allocation
// counts are meaningless under it.
const raceEnabled = true
