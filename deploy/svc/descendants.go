package svc

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// procStat is what /proc/PID/stat tells about one process.
type procStat struct {
	pid, ppid, pgrp int
	state           byte // R, S, Z, ...
}

// readStat parses /proc/PID/stat: "pid (comm) state ppid pgrp ...", where comm
// may hold spaces and parentheses.
func readStat(path string) (procStat, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return procStat{}, false
	}
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return procStat{}, false
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 3 || len(f[0]) != 1 {
		return procStat{}, false
	}
	var st procStat
	var e1, e2, e3 error
	st.pid, e1 = strconv.Atoi(strings.TrimSpace(s[:open]))
	st.ppid, e2 = strconv.Atoi(f[1])
	st.pgrp, e3 = strconv.Atoi(f[2])
	st.state = f[0][0]
	return st, e1 == nil && e2 == nil && e3 == nil
}

// processes lists every process in /proc.
func processes() []procStat {
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	all := make([]procStat, 0, len(paths))
	for _, p := range paths {
		if st, ok := readStat(p); ok {
			all = append(all, st)
		}
	}
	return all
}

// descendants returns the PIDs of pid's children, their children, and so on.
// A server may put its children in process groups of their own (the Lambda
// emulator does so for the function), where killing the server's group does
// not reach them.
func descendants(pid int) []int {
	kids := map[int][]int{}
	for _, st := range processes() {
		kids[st.ppid] = append(kids[st.ppid], st.pid)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, k := range kids[p] {
			out = append(out, k)
			queue = append(queue, k)
		}
	}
	return out
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	st, ok := readStat("/proc/" + strconv.Itoa(pid) + "/stat")
	return ok && st.state != 'Z'
}

// killTree stops the process group pgid so that it forks no more, then kills
// every descendant of pgid (with its own process group) and the group itself.
// It returns the descendants it killed.
func killTree(pgid int) ([]int, error) {
	syscall.Kill(-pgid, syscall.SIGSTOP)
	desc := descendants(pgid)
	for _, d := range desc {
		syscall.Kill(-d, syscall.SIGKILL) // its group, if it leads one
		syscall.Kill(d, syscall.SIGKILL)
	}
	err := syscall.Kill(-pgid, syscall.SIGKILL)
	if err == syscall.ESRCH {
		err = nil
	}
	return desc, err
}
