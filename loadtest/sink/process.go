package sink

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// readyPrefix starts the line Main prints once it listens.
const readyPrefix = "sink listening on "

// Main serves a Handler on addr ("127.0.0.1:0" picks a free port) until
// the process is killed, after printing "sink listening on URL" to out. A
// command that re-executes itself as the sink calls it.
func Main(addr string, out io.Writer) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sink: listen: %w", err)
	}
	fmt.Fprintf(out, "%shttp://%s\n", readyPrefix, l.Addr())
	srv := &http.Server{Handler: &Handler{}, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(l)
}

// Process is a sink running as a child process.
type Process struct {
	// URL is the base URL; signals go to URL/v1/traces etc.
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
	http *http.Client
}

// Start runs name with args, a command that calls Main, and waits until it
// prints its URL. Its stderr goes to this process's stderr.
func Start(ctx context.Context, name string, args ...string) (*Process, error) {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sink %s: %w", name, err)
	}
	p := &Process{cmd: cmd, done: make(chan struct{}), http: &http.Client{Timeout: 10 * time.Second}}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, stdout)
	}()
	go func() { cmd.Wait(); close(p.done) }()
	select {
	case line, ok := <-lines:
		if u, found := strings.CutPrefix(line, readyPrefix); ok && found {
			p.URL = u
			return p, nil
		}
		p.Stop()
		return nil, fmt.Errorf("start sink %s: it printed %q, want %q URL", name, line, readyPrefix)
	case <-ctx.Done():
		p.Stop()
		return nil, fmt.Errorf("start sink %s: %w", name, ctx.Err())
	}
}

// PID is the sink's process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Stop kills the sink and waits for it to exit.
func (p *Process) Stop() {
	p.cmd.Process.Kill()
	<-p.done
}

// Stats reads the sink's counters.
func (p *Process) Stats(ctx context.Context) (Stats, error) {
	return Get(ctx, p.http, p.URL)
}

// Get reads the counters of the sink at base URL u.
func Get(ctx context.Context, c *http.Client, u string) (Stats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u+"/stats", nil)
	if err != nil {
		return Stats{}, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return Stats{}, fmt.Errorf("sink stats: %w", err)
	}
	defer resp.Body.Close()
	var st Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return Stats{}, fmt.Errorf("sink stats: %w", err)
	}
	return st, nil
}

// WaitItems polls the counters every 5 ms until at least n items arrived
// in all, a request was rejected, or ctx ends.
func (p *Process) WaitItems(ctx context.Context, n int64) (Stats, error) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := p.Stats(ctx)
		if err != nil {
			return st, err
		}
		if st.Rejected > 0 {
			return st, fmt.Errorf("sink rejected %d requests, the last: %s", st.Rejected, st.LastError)
		}
		if st.Items >= n {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("sink has %d of %d items: %w", st.Items, n, ctx.Err())
		case <-p.done:
			return st, errors.New("sink exited")
		case <-tick.C:
		}
	}
}
