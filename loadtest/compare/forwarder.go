package compare

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/otlpfwd/otlpfwd/loadtest/procstat"
)

// ForwarderConfig is the Collector's configuration: the otlp receiver on
// HTTP only, the batch processor and the otlphttp exporter with their
// defaults (batches of 8192 spans or 200 ms; gzip; sending queue and
// retries on), its own telemetry off. PORT and SINK are filled in.
const ForwarderConfig = `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
processors:
  batch: {}
exporters:
  otlp_http:
    endpoint: %s
    compression: gzip
service:
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlp_http]
`

// collector is a running forwarder.
type collector struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

// startCollector runs bin with ForwarderConfig in dir, forwarding to
// sinkURL, and waits until it accepts connections.
func startCollector(ctx context.Context, bin, dir, sinkURL string) (*collector, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := filepath.Join(dir, "forwarder.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, ForwarderConfig, port, sinkURL), 0o644); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "forwarder.log")
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	cmd := exec.Command(bin, "--config="+cfg)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the forwarder %s: %w", bin, err)
	}
	c := &collector{cmd: cmd, url: "http://127.0.0.1:" + strconv.Itoa(port), done: make(chan struct{})}
	go func() { cmd.Wait(); close(c.done) }()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return c, nil
		}
		select {
		case <-c.done:
			out, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("the forwarder exited at start; log %s:\n%s", logPath, out)
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("the forwarder did not listen on %s within 30 s; log %s", addr, logPath)
		}
	}
}

func (c *collector) pid() int { return c.cmd.Process.Pid }

func (c *collector) stop() {
	syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.done
}

// post sends payloads to url/v1/traces over conns keep-alive connections
// and fails on the first answer that is not 200.
func post(ctx context.Context, url string, payloads []Payload, conns int) error {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	work := make(chan Payload)
	errs := make(chan error, conns)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for p := range work {
				if err := postOne(ctx, client, url+"/v1/traces", p.Gzip); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var err error
feed:
	for _, p := range payloads {
		select {
		case work <- p:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}

func postOne(ctx context.Context, c *http.Client, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("post to the forwarder: %w", err)
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("post to the forwarder: %s: %s", resp.Status, msg)
	}
	return nil
}

// runForwarder measures the Collector on payloads after warming it up
// on warm.
func runForwarder(ctx context.Context, o *Options, warm, payloads []Payload) (Measurement, error) {
	m := Measurement{Name: "collector", Setup: "otelcol v0.165.0: otlp receiver -> batch -> otlphttp (gzip), own process"}
	snk, err := o.StartSink(ctx)
	if err != nil {
		return m, err
	}
	defer snk.Stop()
	c, err := startCollector(ctx, o.Forwarder, o.Dir, snk.URL)
	if err != nil {
		return m, err
	}
	defer c.stop()
	spans := func(ps []Payload) (n int64) {
		for _, p := range ps {
			n += int64(p.Spans)
		}
		return n
	}
	if err := post(ctx, c.url, warm, o.Conns); err != nil {
		return m, err
	}
	before, err := snk.WaitItems(ctx, spans(warm))
	if err != nil {
		return m, fmt.Errorf("warm-up: %w", err)
	}
	cpu0, err := procstat.CPUTimes(c.pid())
	if err != nil {
		return m, err
	}
	start := time.Now()
	if err := post(ctx, c.url, payloads, o.Conns); err != nil {
		return m, err
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	after, err := snk.WaitItems(wctx, before.Items+spans(payloads))
	if err != nil {
		return m, err
	}
	m.Wall = time.Since(start)
	cpu1, err := procstat.CPUTimes(c.pid())
	if err != nil {
		return m, err
	}
	mem, err := procstat.Memory(c.pid())
	if err != nil {
		return m, err
	}
	m.Spans = int(after.Items - before.Items)
	used := cpu1.Sub(cpu0)
	m.CPU, m.SysCPU = used.Total(), used.System
	m.PeakRSS = mem.HWM
	m.Requests = after.Requests - before.Requests
	m.WireBytes = after.WireBytes - before.WireBytes
	return m, nil
}
