package peakmem

import "testing"

func TestParseGCTrace(t *testing.T) {
	stderr := []byte(`{"level":"INFO"}
gc 1 @0.010s 2%: 0.011+0.50+0.002 ms clock, 0.023+0.11/0.23/0.28+0.005 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P
gc 2 @0.150s 7%: 0.020+3.1+0.010 ms clock, 0.040+0.5/1.2/2.0+0.020 ms cpu, 61->70->40 MB, 64 MB goal, 0 MB stacks, 0 MB globals, 2 P
gc 3 @0.300s 9%: 0.020+3.1+0.010 ms clock, 0.040+0.5/1.2/2.0+0.020 ms cpu, 80->81->22 MB, 82 MB goal, 0 MB stacks, 0 MB globals, 2 P
`)
	got := ParseGCTrace(stderr)
	want := GCTrace{GCs: 3, MaxBefore: 80 << 20, MaxAfter: 81 << 20, MaxLive: 40 << 20, MaxGoal: 82 << 20, Percent: 9}
	if got != want {
		t.Fatalf("ParseGCTrace = %+v, want %+v", got, want)
	}
}

func TestParseHeapPeak(t *testing.T) {
	stderr := []byte("otlpfwd-heap-peak objects=100 runtime=200\nnoise\notlpfwd-heap-peak objects=300 runtime=400\n")
	if p, ok := ParseHeapPeak(stderr); !ok || p != (HeapPeak{Objects: 300, Runtime: 400}) {
		t.Fatalf("ParseHeapPeak = %+v, %v", p, ok)
	}
	if _, ok := ParseHeapPeak([]byte("nothing")); ok {
		t.Fatal("ParseHeapPeak found a peak in nothing")
	}
}
