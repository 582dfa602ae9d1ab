package svc

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

// assertStopped stops a server twice (the second call must be a no-op) and
// checks that neither its PID, nor a member of its process group, nor any of
// its descendants (listed before the stop) runs.
func assertStopped(t *testing.T, pid int, stop func() error) {
	t.Helper()
	desc := descendants(pid)
	if err := stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); !os.IsNotExist(err) {
		t.Errorf("process %d still in /proc after Stop (stat: %v)", pid, err)
	}
	for _, st := range processes() {
		if st.pgrp == pid && st.state != 'Z' {
			t.Errorf("process %d of group %d runs after Stop", st.pid, pid)
		}
	}
	for _, d := range desc {
		if alive(d) {
			t.Errorf("process %d, started by %d, runs after Stop", d, pid)
		}
	}
}

func TestReadStat(t *testing.T) {
	st, ok := readStat(fmt.Sprintf("/proc/%d/stat", os.Getpid()))
	if !ok || st.pid != os.Getpid() || st.ppid != os.Getppid() || st.state == 'Z' {
		t.Fatalf("readStat(self) = %+v, %v; want pid %d, ppid %d", st, ok, os.Getpid(), os.Getppid())
	}
}
