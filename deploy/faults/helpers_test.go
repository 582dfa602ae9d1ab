package faults

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// target is an httptest server behind the proxy that counts the requests it
// got and answers "ok <sha256 of the body>", or what answer says.
type target struct {
	*httptest.Server
	hits   atomic.Int64
	mu     sync.Mutex
	bodies []string // sha256 of each body received whole
	answer func(w http.ResponseWriter, r *http.Request, body []byte)
}

func newTarget(t *testing.T, configure ...func(*http.Server)) *target {
	t.Helper()
	tg := &target{}
	tg.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.hits.Add(1)
		h := sha256.New()
		body, err := io.ReadAll(io.TeeReader(r.Body, h))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		sum := hex.EncodeToString(h.Sum(nil))
		tg.mu.Lock()
		tg.bodies = append(tg.bodies, sum)
		answer := tg.answer
		tg.mu.Unlock()
		if answer != nil {
			answer(w, r, body)
			return
		}
		_, _ = io.WriteString(w, "ok "+sum)
	}))
	for _, f := range configure {
		f(tg.Config)
	}
	tg.Start()
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) setAnswer(f func(w http.ResponseWriter, r *http.Request, body []byte)) {
	tg.mu.Lock()
	tg.answer = f
	tg.mu.Unlock()
}

func startProxy(t *testing.T, target string, opts Options) *Proxy {
	t.Helper()
	p, err := Start(t.Context(), target, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func mustSet(t *testing.T, p *Proxy, rules ...Rule) {
	t.Helper()
	if err := p.Set(rules...); err != nil {
		t.Fatal(err)
	}
}

// newClient is a client with its own connection pool.
func newClient(t *testing.T, timeout time.Duration) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}
}

// result is what a client got: status, body, and the error of sending or of
// reading the body.
type result struct {
	status int
	header http.Header
	body   string
	err    error
}

func send(c *http.Client, method, url string, header http.Header, body string) result {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return result{err: err}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}

// waitFor polls cond until it holds or a few seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
