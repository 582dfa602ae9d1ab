package main

// This file is added to a bootstrap's main package with go build -overlay
// by loadtest/peakmem; it is not compiled otherwise. It samples the Go
// heap every millisecond and writes each new peak (to within 256 KiB) to
// stderr, so that the last such line holds the process's peak when it is
// killed.
//
// objects is the heap's objects, live and not yet swept
// (/memory/classes/heap/objects:bytes); runtime is all the memory the Go
// runtime has mapped minus what it released to the OS (total - released).

import (
	"fmt"
	"os"
	"runtime/metrics"
	"time"
)

func init() {
	go sampleHeap()
}

func sampleHeap() {
	s := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	var peakObjects, peakRuntime, shownObjects, shownRuntime uint64
	for range time.Tick(time.Millisecond) {
		metrics.Read(s)
		peakObjects = max(peakObjects, s[0].Value.Uint64())
		peakRuntime = max(peakRuntime, s[1].Value.Uint64()-s[2].Value.Uint64())
		if peakObjects > shownObjects+(256<<10) || peakRuntime > shownRuntime+(256<<10) {
			shownObjects, shownRuntime = peakObjects, peakRuntime
			fmt.Fprintf(os.Stderr, "otlpfwd-heap-peak objects=%d runtime=%d\n", peakObjects, peakRuntime)
		}
	}
}
