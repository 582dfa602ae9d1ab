package procstat

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/PID/stat. The
// kernel exports it as 100 on every Linux architecture.
const clockTick = 10 * time.Millisecond

// Times is CPU time split into user and system time.
type Times struct {
	User, System time.Duration
}

// Total is user plus system time.
func (t Times) Total() time.Duration { return t.User + t.System }

// Sub returns t - u.
func (t Times) Sub(u Times) Times { return Times{t.User - u.User, t.System - u.System} }

// CPU returns the user plus system CPU time that process pid has used, to
// the kernel's 10 ms resolution. Threads count; children do not.
func CPU(pid int) (time.Duration, error) {
	t, err := CPUTimes(pid)
	return t.Total(), err
}

// CPUTimes is CPU split into user and system time.
func CPUTimes(pid int) (Times, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Times{}, fmt.Errorf("cpu of process %d: %w", pid, err)
	}
	return parseStat(b)
}

// parseStat reads utime and stime (fields 14 and 15) from /proc/PID/stat.
// The command name (field 2) is in parentheses and may hold spaces, so
// fields are counted from the last ')'.
func parseStat(b []byte) (Times, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return Times{}, fmt.Errorf("parse /proc stat %q: no command name", b)
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state): utime is field 14, f[11].
	if len(f) < 13 {
		return Times{}, fmt.Errorf("parse /proc stat: %d fields after the name, want at least 13", len(f))
	}
	var ticks [2]int64
	for j, s := range f[11:13] {
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return Times{}, fmt.Errorf("parse /proc stat: %w", err)
		}
		ticks[j] = n
	}
	return Times{User: time.Duration(ticks[0]) * clockTick, System: time.Duration(ticks[1]) * clockTick}, nil
}

// Mem is a process's resident memory.
type Mem struct {
	// RSS is the resident set now (VmRSS), HWM its peak so far (VmHWM).
	RSS, HWM int64 // bytes
}

// Memory reads process pid's VmRSS and VmHWM.
func Memory(pid int) (Mem, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Mem{}, fmt.Errorf("memory of process %d: %w", pid, err)
	}
	return parseStatus(b)
}

// SelfMemory is Memory of this process.
func SelfMemory() (Mem, error) { return Memory(os.Getpid()) }

func parseStatus(b []byte) (Mem, error) {
	var m Mem
	var seen int
	for line := range bytes.Lines(b) {
		var dst *int64
		switch {
		case bytes.HasPrefix(line, []byte("VmRSS:")):
			dst = &m.RSS
		case bytes.HasPrefix(line, []byte("VmHWM:")):
			dst = &m.HWM
		default:
			continue
		}
		f := bytes.Fields(line)
		if len(f) != 3 || string(f[2]) != "kB" {
			return Mem{}, fmt.Errorf("parse /proc status line %q", bytes.TrimSpace(line))
		}
		kb, err := strconv.ParseInt(string(f[1]), 10, 64)
		if err != nil {
			return Mem{}, fmt.Errorf("parse /proc status line %q: %w", bytes.TrimSpace(line), err)
		}
		*dst = kb << 10
		seen++
	}
	if seen != 2 {
		return Mem{}, fmt.Errorf("parse /proc status: VmRSS or VmHWM missing (a kernel thread or a zombie?)")
	}
	return m, nil
}

// SelfCPU returns the user plus system CPU time of this process, all its
// threads, to the microsecond (getrusage RUSAGE_SELF).
func SelfCPU() (time.Duration, error) {
	t, err := SelfCPUTimes()
	return t.Total(), err
}

// SelfCPUTimes is SelfCPU split into user and system time.
func SelfCPUTimes() (Times, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return Times{}, fmt.Errorf("getrusage: %w", err)
	}
	return Times{User: time.Duration(ru.Utime.Nano()), System: time.Duration(ru.Stime.Nano())}, nil
}

// LoadAverage returns the 1-minute load average (/proc/loadavg): the
// reports print it, since wall-clock timings mean little on a busy
// machine.
func LoadAverage() (float64, error) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, fmt.Errorf("load average: %w", err)
	}
	f := bytes.Fields(b)
	if len(f) == 0 {
		return 0, fmt.Errorf("load average: empty /proc/loadavg")
	}
	return strconv.ParseFloat(string(f[0]), 64)
}
