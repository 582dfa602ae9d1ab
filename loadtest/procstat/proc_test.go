package procstat

import (
	"os"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Times
		err  bool
	}{
		{"plain", "4242 (otelcol) S 1 4242 4242 0 -1 4194560 9056 0 0 0 150 25 0 0 20 0 9 0 1234 0 0", Times{1500 * time.Millisecond, 250 * time.Millisecond}, false},
		{"name with spaces and parens", "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0", Times{30 * time.Millisecond, 40 * time.Millisecond}, false},
		{"short", "7 (x) R 1 2", Times{}, true},
		{"no name", "7 x R", Times{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat([]byte(tt.in))
			if (err != nil) != tt.err || got != tt.want {
				t.Fatalf("parseStat = %v, %v; want %v, error %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	in := "Name:\tx\nVmPeak:\t  10 kB\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\nThreads:\t3\n"
	got, err := parseStatus([]byte(in))
	if err != nil || got != (Mem{RSS: 1 << 20, HWM: 2 << 20}) {
		t.Fatalf("parseStatus = %+v, %v", got, err)
	}
	if _, err := parseStatus([]byte("Name:\tkthreadd\n")); err == nil {
		t.Fatal("parseStatus accepted a status without memory lines")
	}
}

// TestSelf reads this process: the numbers must be positive and CPU must
// grow with work.
func TestSelf(t *testing.T) {
	m, err := SelfMemory()
	if err != nil || m.RSS <= 0 || m.HWM < m.RSS {
		t.Fatalf("SelfMemory = %+v, %v", m, err)
	}
	before, err := SelfCPU()
	if err != nil {
		t.Fatal(err)
	}
	x := 0
	for start := time.Now(); time.Since(start) < 30*time.Millisecond; x++ {
	}
	after, _ := SelfCPU()
	if after <= before {
		t.Fatalf("SelfCPU did not grow over 30 ms of work: %v -> %v (%d)", before, after, x)
	}
	viaProc, err := CPU(os.Getpid())
	if err != nil || viaProc <= 0 {
		t.Fatalf("CPU(self) = %v, %v", viaProc, err)
	}
}
