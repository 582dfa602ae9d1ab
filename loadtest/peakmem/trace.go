package peakmem

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
)

// GCTrace sums the lines GODEBUG=gctrace=1 wrote: the heap before each
// collection (its peak is the largest the heap grew between collections,
// to the MiB), after it, and the live heap it marked.
type GCTrace struct {
	GCs int
	// Largest heap before a collection, after it, marked live, and
	// goal, in bytes (gctrace prints MiB).
	MaxBefore, MaxAfter, MaxLive, MaxGoal int64
	// Percent is the share of CPU time spent in GC since the start, at
	// the last collection.
	Percent int
}

// "gc 3 @0.020s 5%: 0.010+1.2+0.003 ms clock, ..., 12->13->6 MB, 14 MB goal, ..."
var gcLine = regexp.MustCompile(`^gc \d+ @[0-9.]+s (\d+)%: .* (\d+)->(\d+)->(\d+) MB, (\d+) MB goal`)

// ParseGCTrace reads a process's stderr.
func ParseGCTrace(stderr []byte) GCTrace {
	var t GCTrace
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := gcLine.FindSubmatch(sc.Bytes())
		if m == nil {
			continue
		}
		n := func(i int) int64 { v, _ := strconv.ParseInt(string(m[i]), 10, 64); return v << 20 }
		pct, _ := strconv.Atoi(string(m[1]))
		t.GCs++
		t.MaxBefore = max(t.MaxBefore, n(2))
		t.MaxAfter = max(t.MaxAfter, n(3))
		t.MaxLive = max(t.MaxLive, n(4))
		t.MaxGoal = max(t.MaxGoal, n(5))
		t.Percent = pct
	}
	return t
}

// HeapPeak is the last peak the heap sampler reported.
type HeapPeak struct {
	Objects, Runtime int64
}

var peakLine = regexp.MustCompile(`^otlpfwd-heap-peak objects=(\d+) runtime=(\d+)`)

// ParseHeapPeak reads the sampler's last line from a process's stderr.
func ParseHeapPeak(stderr []byte) (HeapPeak, bool) {
	var p HeapPeak
	found := false
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if m := peakLine.FindSubmatch(sc.Bytes()); m != nil {
			p.Objects, _ = strconv.ParseInt(string(m[1]), 10, 64)
			p.Runtime, _ = strconv.ParseInt(string(m[2]), 10, 64)
			found = true
		}
	}
	return p, found
}
