package loadtest

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

func TestProcsSamplesAChild(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sleep, "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	time.Sleep(50 * time.Millisecond)
	exe, _ := os.Readlink("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/exe")
	p := NewProcs(map[string]string{"sleeper": exe})
	p.Sample()
	u := p.Usage()["sleeper"]
	if u.Processes < 1 || u.PeakRSSBytes <= 0 {
		t.Fatalf("usage %+v", u)
	}
}
