package svc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// process is one started server: its own process group, output appended to
// logPath, reaped by a goroutine so that its PID disappears once it exits.
type process struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed once the process has been reaped
	waitErr error         // valid after exited is closed
	once    sync.Once     // guards stop
	stopErr error
}

// startProcess starts name args with env (nil: this process's environment),
// appending stdout and stderr to logPath.
func startProcess(logPath string, env []string, name string, args ...string) (*process, error) {
	return startProcessIn("", logPath, env, name, args...)
}

// startProcessIn is startProcess with the working folder dir ("": this
// process's).
func startProcessIn(dir, logPath string, env []string, name string, args ...string) (*process, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	defer log.Close() // the child has its own copy
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = log
	cmd.Stderr = log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (log %s): %w", name, logPath, err)
	}
	p := &process{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// stop kills the process, its process group and its descendants, and waits
// until the process is reaped and no descendant runs (the killed descendants
// are reaped by init, or remain as zombies of an exited parent for a moment).
// A process that already exited is left alone: its PID may belong to another
// process by now.
func (p *process) stop() error {
	p.once.Do(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		desc, err := killTree(p.pid())
		if err != nil {
			p.stopErr = fmt.Errorf("kill process group %d: %w", p.pid(), err)
		}
		deadline := time.After(10 * time.Second)
		select {
		case <-p.exited:
		case <-deadline:
			p.stopErr = errors.Join(p.stopErr, fmt.Errorf("process %d did not exit 10 s after SIGKILL", p.pid()))
			return
		}
		for _, d := range desc {
			for alive(d) {
				select {
				case <-deadline:
					p.stopErr = errors.Join(p.stopErr, fmt.Errorf("process %d, started by %d, did not exit 10 s after SIGKILL", d, p.pid()))
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		}
	})
	return p.stopErr
}

// waitReady polls ready until it succeeds, the process exits, or ctx ends.
// A failure names the log and quotes its end.
func (p *process) waitReady(ctx context.Context, what string, ready func(context.Context) error) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := ready(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited before it was ready (%v); log %s:\n%s", what, p.waitErr, p.logPath, p.logTail())
		case <-ctx.Done():
			return fmt.Errorf("%s not ready (last: %v): %w; log %s:\n%s", what, err, ctx.Err(), p.logPath, p.logTail())
		case <-tick.C:
		}
	}
}

// bindFailed reports whether the process exited because its port was taken.
func (p *process) bindFailed() bool {
	select {
	case <-p.exited:
		return bytes.Contains(bytes.ToLower([]byte(p.logTail())), []byte("address already in use"))
	default:
		return false
	}
}

// logTail returns the last few KiB of the log.
func (p *process) logTail() string {
	f, err := os.Open(p.logPath)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	const max = 4 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		f.Seek(fi.Size()-max, io.SeekStart)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
