package svc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/otlpfwd/otlpfwd/deploy/toolchain"
)

// CollectorOptions configures StartCollector.
type CollectorOptions struct {
	// Dir receives collector.yaml, collector.log and the output files
	// traces.jsonl, metrics.jsonl and logs.jsonl. Required; give each
	// collector its own.
	Dir string
	// Binary is the collector to run. Empty: toolchain.EnsureCollector, which
	// builds it on first use (about two minutes).
	Binary string
	// Failing makes every export fail inside the collector (its file
	// exporters write to /dev/full), so that it answers 503 to any request
	// that carries data. Malformed requests still get 400.
	Failing bool
}

// Collector is a running OpenTelemetry Collector that receives OTLP/HTTP and
// writes what it accepts to files. Its zero value is not usable; call
// StartCollector.
type Collector struct {
	mu      sync.Mutex
	proc    *process
	port    int
	bin     string
	dir     string
	outputs map[Signal]string // where the file exporters write
}

// StartCollector writes the configuration, starts the collector on a free
// port and waits until its receiver accepts connections (about 30 ms).
func StartCollector(ctx context.Context, opts CollectorOptions) (*Collector, error) {
	if opts.Dir == "" {
		return nil, errors.New("start collector: CollectorOptions.Dir is required")
	}
	bin := opts.Binary
	if bin == "" {
		var err error
		if bin, err = toolchain.EnsureCollector(ctx, toolchain.Options{}); err != nil {
			return nil, fmt.Errorf("start collector: %w", err)
		}
	}
	outputs, err := prepareOutputs(opts.Dir, opts.Failing)
	if err != nil {
		return nil, fmt.Errorf("start collector: %w", err)
	}
	c := &Collector{bin: bin, dir: opts.Dir, outputs: outputs}
	start := func() (*process, error) {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		c.port = port
		return c.start()
	}
	if c.proc, err = launch(ctx, "collector", true, start, c.ready); err != nil {
		return nil, fmt.Errorf("start collector: %w", err)
	}
	return c, nil
}

func (c *Collector) start() (*process, error) {
	cfg := c.ConfigPath()
	if err := os.WriteFile(cfg, []byte(collectorConfig(c.port, c.outputs)), 0o644); err != nil {
		return nil, fmt.Errorf("write collector config: %w", err)
	}
	return startProcess(filepath.Join(c.dir, "collector.log"), nil, c.bin, "--config="+cfg)
}

func (c *Collector) ready(ctx context.Context) error { return dial(ctx, c.addr()) }

func (c *Collector) addr() string { return "127.0.0.1:" + strconv.Itoa(c.port) }

// Endpoint is the OTLP/HTTP base URL, http://127.0.0.1:PORT; signals go to
// /v1/traces, /v1/metrics and /v1/logs. It stays the same across Restart.
func (c *Collector) Endpoint() string { return "http://" + c.addr() }

// OutputPath is the file that receives s: one OTLP/JSON export request per
// line, written before the request is answered. Do not truncate it while the
// collector runs. In failing mode it stays empty.
func (c *Collector) OutputPath(s Signal) string {
	return filepath.Join(c.dir, string(s)+".jsonl")
}

// ConfigPath is the collector's configuration file.
func (c *Collector) ConfigPath() string { return filepath.Join(c.dir, "collector.yaml") }

// LogPath is the collector's log file; restarts append to it.
func (c *Collector) LogPath() string { return filepath.Join(c.dir, "collector.log") }

// PID is the current process id; it changes with Restart.
func (c *Collector) PID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proc.pid()
}

// Stop kills the collector and waits for it to exit. Later calls do nothing.
func (c *Collector) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proc.stop()
}

// Restart stops the collector if it runs and starts it again on the same port
// with the same configuration and output files (appended to), for outage
// tests. Requests sent in between are refused.
func (c *Collector) Restart(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.proc.stop(); err != nil {
		return fmt.Errorf("restart collector: %w", err)
	}
	p, err := launch(ctx, "collector", false, c.start, c.ready)
	if err != nil {
		return fmt.Errorf("restart collector on port %d: %w", c.port, err)
	}
	c.proc = p
	return nil
}
