package svc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"

	"github.com/otlpfwd/otlpfwd/deploy/toolchain"
)

// Options configures StartMoto.
type Options struct {
	// Dir receives the log file, moto.log. Required.
	Dir string
	// Binary is the moto_server to run. Empty: toolchain.Moto().
	Binary string
}

// Moto is a running moto server. Its zero value is not usable; call StartMoto.
type Moto struct {
	proc *process
	url  string
}

// StartMoto runs `moto_server -H 127.0.0.1 -p PORT` on a free port and waits
// until it answers HTTP (about 0.6 s). Point the AWS SDK at URL() with static
// credentials and any region.
func StartMoto(ctx context.Context, opts Options) (*Moto, error) {
	if opts.Dir == "" {
		return nil, errors.New("start moto: Options.Dir is required")
	}
	bin := opts.Binary
	if bin == "" {
		var err error
		if bin, err = toolchain.Moto(); err != nil {
			return nil, fmt.Errorf("start moto: %w", err)
		}
	}
	m := &Moto{}
	start := func() (*process, error) {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		m.url = "http://127.0.0.1:" + strconv.Itoa(port)
		return startProcess(filepath.Join(opts.Dir, "moto.log"), nil, bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	}
	ready := func(ctx context.Context) error { return m.get(ctx, "/") }
	p, err := launch(ctx, "moto", true, start, ready)
	if err != nil {
		return nil, fmt.Errorf("start moto: %w", err)
	}
	m.proc = p
	return m, nil
}

// URL is the server's base URL, http://127.0.0.1:PORT: the SDK's BaseEndpoint
// or AWS_ENDPOINT_URL.
func (m *Moto) URL() string { return m.url }

// PID is the server's process id.
func (m *Moto) PID() int { return m.proc.pid() }

// LogPath is the server's log file.
func (m *Moto) LogPath() string { return m.proc.logPath }

// Stop kills the server and waits for it to exit. Later calls do nothing.
func (m *Moto) Stop() error { return m.proc.stop() }

// Reset clears every resource the server holds (POST /moto-api/reset).
func (m *Moto) Reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.url+"/moto-api/reset", nil)
	if err != nil {
		return fmt.Errorf("reset moto: %w", err)
	}
	if err := do(req); err != nil {
		return fmt.Errorf("reset moto (log %s): %w", m.LogPath(), err)
	}
	return nil
}

func (m *Moto) get(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url+path, nil)
	if err != nil {
		return err
	}
	return do(req)
}

// do sends req and wants a 200.
func do(req *http.Request) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL, resp.Status, body)
	}
	return nil
}
