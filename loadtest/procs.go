package loadtest

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Procs samples the processes running given executables (the functions'
// bootstraps under RIE): the peak resident set (VmHWM) and the CPU time of
// every process seen, summed per name. RIE may restart a function, so
// each process is followed by pid.
type Procs struct {
	mu    sync.Mutex
	exes  map[string]string // exe path -> name
	seen  map[int]*procUse
	ticks float64
}

type procUse struct {
	name  string
	hwm   int64
	cpu   float64 // seconds
	start string
}

// NewProcs follows the executables, given by name ("ingest" -> path).
func NewProcs(exes map[string]string) *Procs {
	p := &Procs{exes: map[string]string{}, seen: map[int]*procUse{}, ticks: 100}
	for name, path := range exes {
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		p.exes[path] = name
	}
	return p
}

// Sample reads every matching process once.
func (p *Procs) Sample() {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		dir := filepath.Join("/proc", e.Name())
		exe, err := os.Readlink(filepath.Join(dir, "exe"))
		if err != nil {
			continue
		}
		name, ok := p.exes[exe]
		if !ok {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue
		}
		// Fields after the command name (which may hold spaces).
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 20 {
			continue
		}
		u := p.seen[pid]
		if u == nil || u.start != f[19] { // a new process reusing the pid
			u = &procUse{name: name, start: f[19]}
			p.seen[pid] = u
		}
		utime, _ := strconv.ParseFloat(f[11], 64)
		stime, _ := strconv.ParseFloat(f[12], 64)
		u.cpu = (utime + stime) / p.ticks
		if hwm := vmHWM(filepath.Join(dir, "status")); hwm > u.hwm {
			u.hwm = hwm
		}
	}
}

// Usage returns, per name, the largest peak RSS of any of its processes
// and the CPU seconds of all of them (as last sampled).
func (p *Procs) Usage() map[string]ProcUsage {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]ProcUsage{}
	for _, u := range p.seen {
		c := out[u.name]
		c.CPUSeconds += u.cpu
		c.PeakRSSBytes = max(c.PeakRSSBytes, u.hwm)
		c.Processes++
		out[u.name] = c
	}
	return out
}

// ProcUsage is what Procs measured for one name.
type ProcUsage struct {
	PeakRSSBytes int64
	CPUSeconds   float64
	Processes    int
}

func vmHWM(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
