// Package procstat reads what the load test's measurements need from
// Linux's /proc and getrusage: a process's CPU time (utime+stime) and its
// resident memory, current and peak (VmRSS, VmHWM).
package procstat
