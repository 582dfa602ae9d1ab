package loadtest

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/otlpfwd/otlpfwd/loadtest/procstat"
)

// Procs samples the processes running given executables (the functions'
// bootstraps under RIE): the peak resident set (VmHWM) and the CPU time of
// every process seen, summed per name. RIE may restart a function, so
// each process is followed by pid.
type Procs struct {
	mu   sync.Mutex
	exes map[string]string // exe path -> name
	seen map[int]*procUse
}

type procUse struct {
	name string
	hwm  int64
	cpu  float64 // seconds
}

// NewProcs follows the executables, given by name ("ingest" -> path).
func NewProcs(exes map[string]string) *Procs {
	p := &Procs{exes: map[string]string{}, seen: map[int]*procUse{}}
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
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil {
			continue
		}
		name, ok := p.exes[exe]
		if !ok {
			continue
		}
		cpu, err := procstat.CPUTimes(pid)
		if err != nil {
			continue
		}
		u := p.seen[pid]
		if u == nil {
			u = &procUse{name: name}
			p.seen[pid] = u
		}
		u.cpu = cpu.Total().Seconds()
		if m, err := procstat.Memory(pid); err == nil && m.HWM > u.hwm {
			u.hwm = m.HWM
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
