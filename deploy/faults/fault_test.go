package faults

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestDelayBeforeForwarding(t *testing.T) {
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{})
	mustSet(t, p, Rule{Action: Delay{Duration: 300 * time.Millisecond}})

	start := time.Now()
	got := send(newClient(t, 30*time.Second), "POST", p.URL()+"/v1/traces", nil, "slow")
	if took := time.Since(start); got.err != nil || got.status != 200 || took < 300*time.Millisecond {
		t.Fatalf("got %+v after %v, want 200 after at least 300ms", got, took)
	}

	// A client whose deadline passes during the wait gets a timeout and
	// nothing reaches the target.
	got = send(newClient(t, 100*time.Millisecond), "POST", p.URL()+"/v1/traces", nil, "gives up")
	if got.err == nil || !isTimeout(got.err) {
		t.Fatalf("got %+v, want a client timeout", got)
	}
	waitFor(t, "the abandoned request in the log", func() bool { return len(p.Requests()) == 2 })
	if n := tg.hits.Load(); n != 1 {
		t.Fatalf("target hits %d, want 1: an abandoned delayed request must not be forwarded", n)
	}
	if r := p.Requests()[1]; r.Forwarded || r.Status != 0 || r.Err == "" {
		t.Fatalf("abandoned request logged as %+v", r)
	}
}

func TestDelayAfterResponse(t *testing.T) {
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{})
	mustSet(t, p, Rule{Times: 1, Action: Delay{Duration: 2 * time.Second, AfterResponse: true}})
	got := send(newClient(t, 200*time.Millisecond), "POST", p.URL()+"/v1/traces", nil, "processed, answer late")
	if got.err == nil || !isTimeout(got.err) {
		t.Fatalf("got %+v, want a client timeout", got)
	}
	if n := tg.hits.Load(); n != 1 {
		t.Fatalf("target hits %d, want 1: the target processed it before the delay", n)
	}
	// A patient client gets the target's own answer.
	mustSet(t, p, Rule{Times: 1, Action: Delay{Duration: 100 * time.Millisecond, AfterResponse: true}})
	if got := send(newClient(t, 30*time.Second), "POST", p.URL()+"/", nil, "b"); got.status != 200 || got.body != "ok "+sha("b") {
		t.Fatalf("got %+v, want the target's answer", got)
	}
}

func TestRespondAfterDelay(t *testing.T) {
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{})
	mustSet(t, p, Rule{Action: Respond{Status: 504, Delay: 250 * time.Millisecond}})
	start := time.Now()
	got := send(newClient(t, 30*time.Second), "POST", p.URL()+"/", nil, "x")
	if took := time.Since(start); got.status != 504 || took < 250*time.Millisecond {
		t.Fatalf("got %d after %v, want 504 after at least 250ms", got.status, took)
	}
	if tg.hits.Load() != 0 {
		t.Fatal("Respond without Forward reached the target")
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isReset tells the errors a Go client reports for a connection reset under
// it: which one depends on whether it was reading or writing when the RST
// came ("use of closed network connection" is the write side seeing the
// read loop's close).
func isReset(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.EPIPE) || strings.Contains(err.Error(), "connection reset")
}

func TestResetMidRequestBody(t *testing.T) {
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{})
	mustSet(t, p, Rule{Times: 1, Action: Reset{RequestBytes: 64 << 10}})
	body := strings.Repeat("s", 4<<20)
	got := send(newClient(t, 30*time.Second), "POST", p.URL()+"/v1/traces", nil, body)
	if got.err == nil || !isReset(got.err) {
		t.Fatalf("got status %d, err %v; want a connection error", got.status, got.err)
	}
	waitFor(t, "the reset request in the log", func() bool { return len(p.Requests()) == 1 })
	if r := p.Requests()[0]; r.Forwarded || r.Status != 0 || !strings.Contains(r.Err, "reset") {
		t.Fatalf("log entry %+v", r)
	}
	if tg.hits.Load() != 0 {
		t.Fatal("a request reset mid-body reached the target")
	}
	// Times used up: the next one goes through whole.
	if got := send(newClient(t, 30*time.Second), "POST", p.URL()+"/v1/traces", nil, body); got.status != 200 || got.body != "ok "+sha(body) {
		t.Fatalf("after the reset: got %d %q %v", got.status, got.body, got.err)
	}
}

func TestResetMidResponse(t *testing.T) {
	big := strings.Repeat("r", 64<<10)
	tests := []struct {
		name          string
		responseBytes int
		wantStatus    bool // the client read a status before the reset
	}{
		{"before any byte", 0, false},
		{"inside the headers", 20, false},
		{"inside the body", 10 << 10, true},
		{"all but the last byte", 1 << 30, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := newTarget(t)
			tg.setAnswer(func(w http.ResponseWriter, r *http.Request, body []byte) { io.WriteString(w, big) })
			p := startProxy(t, tg.URL, Options{})
			mustSet(t, p, Rule{Action: Reset{Forward: true, ResponseBytes: tt.responseBytes}})
			got := send(newClient(t, 30*time.Second), "POST", p.URL()+"/v1/traces", nil, "sent whole")
			// Cut inside the headers, the client may also see a malformed
			// header rather than the reset itself: any error will do.
			if got.err == nil {
				t.Fatalf("got status %d, %d body bytes and no error; want a connection error", got.status, len(got.body))
			}
			if (got.status != 0) != tt.wantStatus {
				t.Fatalf("client saw status %d; want a status: %v", got.status, tt.wantStatus)
			}
			if len(got.body) >= len(big) {
				t.Fatalf("client read the whole body (%d bytes)", len(got.body))
			}
			tg.mu.Lock()
			defer tg.mu.Unlock()
			if len(tg.bodies) != 1 || tg.bodies[0] != sha("sent whole") {
				t.Fatalf("target bodies %q, want the request once, whole", tg.bodies)
			}
		})
	}
}

func TestRefuse(t *testing.T) {
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{})
	mustSet(t, p, Rule{Times: 1, Action: Refuse{}})
	c := newClient(t, 30*time.Second)
	got := send(c, "POST", p.URL()+"/v1/traces", nil, "x")
	if got.err == nil || got.status != 0 || !isReset(got.err) {
		t.Fatalf("got %+v, want a connection error and no status", got)
	}
	if tg.hits.Load() != 0 {
		t.Fatal("a refused request reached the target")
	}
	if got := send(c, "POST", p.URL()+"/v1/traces", nil, "x"); got.status != 200 {
		t.Fatalf("after Times: %+v", got)
	}
}

func TestDownAndUpOnTheSamePort(t *testing.T) {
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{})
	url := p.URL()
	c := newClient(t, 30*time.Second)
	if got := send(c, "GET", url+"/", nil, ""); got.status != 200 {
		t.Fatalf("before Down: %+v", got)
	}
	if err := p.Down(); err != nil {
		t.Fatal(err)
	}
	if !p.IsDown() {
		t.Fatal("IsDown false after Down")
	}
	for range 2 { // the pooled connection and a fresh dial both fail
		if got := send(c, "GET", url+"/", nil, ""); !errors.Is(got.err, syscall.ECONNREFUSED) {
			t.Fatalf("while down: %+v, want connection refused", got)
		}
	}
	if err := p.Down(); err != nil {
		t.Fatalf("second Down: %v", err)
	}
	if err := p.Up(); err != nil {
		t.Fatal(err)
	}
	if p.URL() != url {
		t.Fatalf("URL changed from %s to %s", url, p.URL())
	}
	if got := send(c, "GET", url+"/", nil, ""); got.status != 200 {
		t.Fatalf("after Up: %+v", got)
	}
	if err := p.Up(); err != nil {
		t.Fatalf("second Up: %v", err)
	}
	p.Close()
	if err := p.Up(); err == nil {
		t.Fatal("Up after Close succeeded")
	}
	if got := send(c, "GET", url+"/", nil, ""); got.err == nil {
		t.Fatal("request after Close succeeded")
	}
}

func TestDownAbandonsRequestsInFlight(t *testing.T) {
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{})
	mustSet(t, p, Rule{Action: Delay{Duration: time.Minute}})
	done := make(chan result, 1)
	c := newClient(t, 30*time.Second)
	go func() { done <- send(c, "POST", p.URL()+"/", nil, "x") }()
	waitFor(t, "the request to reach the proxy", func() bool { return p.Stats().InFlight == 1 })
	if err := p.Down(); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-done:
		if got.err == nil {
			t.Fatalf("got %+v, want a connection error", got)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the client still waits after Down")
	}
	waitFor(t, "the handler to end", func() bool { return len(p.Requests()) == 1 })
	if tg.hits.Load() != 0 {
		t.Fatalf("target hits %d: an abandoned request must not be forwarded", tg.hits.Load())
	}
}

func TestCloseWaitsForHandlers(t *testing.T) {
	tg := newTarget(t)
	p := startProxy(t, tg.URL, Options{})
	mustSet(t, p, Rule{Action: Delay{Duration: time.Minute}})
	c := newClient(t, 30*time.Second)
	go send(c, "POST", p.URL()+"/", nil, "x")
	waitFor(t, "the request to reach the proxy", func() bool { return p.Stats().InFlight == 1 })
	start := time.Now()
	p.Close()
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("Close took %v", took)
	}
	if len(p.Requests()) != 1 {
		t.Fatal("Close returned before the handler in flight ended")
	}
}

// TestStreamsLargeBodies sends 48 MiB up and 48 MiB down through the proxy
// while a body rule is set that cannot hold them.
func TestStreamsLargeBodies(t *testing.T) {
	const size = 48 << 20
	tg := newTarget(t)
	tg.setAnswer(func(w http.ResponseWriter, r *http.Request, body []byte) {
		fmt.Fprintf(w, "%d ", len(body))
		io.CopyN(w, &pattern{}, size)
	})
	p := startProxy(t, tg.URL, Options{MaxBody: 1 << 20})
	var called atomic.Bool
	mustSet(t, p, Rule{Body: func([]byte) bool { called.Store(true); return true }, Action: Respond{Status: 418}})

	up := sha256.New()
	req, err := http.NewRequest("POST", p.URL()+"/v1/traces", io.TeeReader(io.LimitReader(&pattern{}, size), up))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := newClient(t, time.Minute).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var gotLen int
	br := bufio.NewReader(resp.Body)
	if _, err := fmt.Fscanf(br, "%d ", &gotLen); err != nil {
		t.Fatal(err)
	}
	down := sha256.New()
	n, err := io.Copy(down, br)
	if err != nil || n != size || gotLen != size || resp.StatusCode != 200 {
		t.Fatalf("status %d, target got %d bytes, client read %d (%v); want %d each way", resp.StatusCode, gotLen, n, err, size)
	}
	tg.mu.Lock()
	gotUp := tg.bodies[0]
	tg.mu.Unlock()
	if gotUp != hex.EncodeToString(up.Sum(nil)) {
		t.Fatal("the body reached the target changed")
	}
	want := sha256.New()
	io.CopyN(want, &pattern{}, size)
	if !bytes.Equal(down.Sum(nil), want.Sum(nil)) {
		t.Fatal("the answer reached the client changed")
	}
	if called.Load() {
		t.Fatal("the body predicate saw a body larger than MaxBody")
	}
}

// pattern is an endless reader of a fixed byte sequence.
type pattern struct{ n int }

func (p *pattern) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(p.n*7 + p.n>>8)
		p.n++
	}
	return len(b), nil
}

func TestKeepAlive(t *testing.T) {
	var targetConns atomic.Int64
	tg := newTarget(t, func(s *http.Server) {
		s.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				targetConns.Add(1)
			}
		}
	})
	p := startProxy(t, tg.URL, Options{})
	mustSet(t, p, Rule{PathPrefix: "/fail", Action: Respond{Status: 503, Body: "no"}})
	c := newClient(t, 30*time.Second)
	var reused int
	for i := range 20 {
		path := "/v1/traces"
		if i%4 == 0 {
			path = "/fail"
		}
		trace := &httptrace.ClientTrace{GotConn: func(ci httptrace.GotConnInfo) {
			if ci.Reused {
				reused++
			}
		}}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "POST", p.URL()+path, strings.NewReader("x"))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if reused != 19 || targetConns.Load() != 1 {
		t.Fatalf("client reused its connection %d times (want 19); target saw %d connections (want 1)", reused, targetConns.Load())
	}
}
