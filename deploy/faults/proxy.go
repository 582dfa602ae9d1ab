package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures Start. The zero value is ready to use.
type Options struct {
	// Logger receives one Debug line per request a rule applied to (rule,
	// action, method, path, operation, status), never bodies or headers.
	// Nil: nothing is logged.
	Logger *slog.Logger
	// LogSize bounds the log Requests returns. Zero: 1000.
	LogSize int
	// MaxBody is the most of a request body the proxy holds in memory to
	// match a rule on it (Stream, Queue, Body) or to rewrite it
	// (KinesisPartialFailure), and what a wait (Delay, Respond.Delay) reads
	// first so that a client going away ends it. A larger body is still
	// forwarded whole, but such rules do not apply to it. Zero: 32 MiB.
	MaxBody int64
	// Transport forwards requests to the target. Nil: an HTTP/1.1 pool of
	// kept-alive connections that ignores the proxy environment variables
	// and leaves Content-Encoding alone.
	Transport http.RoundTripper
	// Now is the clock for rule time windows and the request log. Nil:
	// time.Now.
	Now func() time.Time
}

// Proxy is a running fault-injecting reverse proxy. Its zero value is not
// usable; call Start. Its methods are safe for concurrent use.
type Proxy struct {
	target    *url.URL
	addr      string // 127.0.0.1:PORT, fixed for the proxy's life
	logger    *slog.Logger
	maxBody   int64
	now       func() time.Time
	transport http.RoundTripper
	forwarder *httputil.ReverseProxy

	rules atomic.Pointer[[]*rule]
	stats statsBook

	mu       sync.Mutex
	srv      *http.Server  // nil while down
	served   chan struct{} // closed when srv's Serve returns
	cancel   context.CancelFunc
	closed   bool
	inflight sync.WaitGroup
}

var errClosed = errors.New("fault proxy is closed")

// Start listens on a free port of 127.0.0.1 and forwards to target, an
// http or https base URL such as a collector's "http://127.0.0.1:4318" or
// moto's URL; a request's path is appended to target's path. No rule is set:
// everything is forwarded until Set is called. ctx bounds start-up only;
// Close stops the proxy.
func Start(ctx context.Context, target string, opts Options) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("start fault proxy: target %q: %w", target, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("start fault proxy: target %q is not an http(s) URL with a host", target)
	}
	if opts.LogSize < 0 || opts.MaxBody < 0 {
		return nil, fmt.Errorf("start fault proxy: LogSize %d and MaxBody %d must not be negative", opts.LogSize, opts.MaxBody)
	}
	p := &Proxy{
		target:    u,
		logger:    opts.Logger,
		maxBody:   opts.MaxBody,
		now:       opts.Now,
		transport: opts.Transport,
	}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	if p.maxBody == 0 {
		p.maxBody = 32 << 20
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.transport == nil {
		p.transport = newTransport()
	}
	size := opts.LogSize
	if size == 0 {
		size = 1000
	}
	p.stats.init(size)
	p.rules.Store(&[]*rule{})
	p.forwarder = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(p.target)
			pr.Out.Host = ""
		},
		Transport: p.transport,
		ErrorLog:  log.New(io.Discard, "", 0),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if x, ok := r.Context().Value(exchangeKey{}).(*exchange); ok {
				x.fail(err)
			}
			w.WriteHeader(http.StatusBadGateway)
		},
	}

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start fault proxy: %w", err)
	}
	p.addr = ln.Addr().String()
	p.mu.Lock()
	p.serve(ln)
	p.mu.Unlock()
	return p, nil
}

// newTransport is the default forwarding transport.
func newTransport() *http.Transport {
	return &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
}

// URL is the proxy's base URL, http://127.0.0.1:PORT: use it where the
// target's URL would go (an SDK's BaseEndpoint, a collector endpoint). It
// stays the same across Down and Up.
func (p *Proxy) URL() string { return "http://" + p.addr }

// Addr is the proxy's listening address, 127.0.0.1:PORT.
func (p *Proxy) Addr() string { return p.addr }

// Target is the URL the proxy forwards to.
func (p *Proxy) Target() string { return p.target.String() }

// serve starts an http.Server on ln. p.mu must be held.
func (p *Proxy) serve(ln net.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           http.HandlerFunc(p.handle),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln) // always an error: ErrServerClosed after Down or Close
	}()
	p.srv, p.served, p.cancel = srv, served, cancel
}

// stop closes the listener and every connection the server tracks, and ends
// every request's context so that delays and forwards in flight give up.
// p.mu must be held.
func (p *Proxy) stop() {
	if p.srv == nil {
		return
	}
	_ = p.srv.Close()
	p.cancel()
	<-p.served
	p.srv, p.served, p.cancel = nil, nil, nil
}

// Down closes the listener and every open connection, so that clients get
// "connection refused", as from a host whose service is down. Requests in
// flight are abandoned: nothing more is forwarded for them. Down when already
// down does nothing.
func (p *Proxy) Down() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("fault proxy down: %w", errClosed)
	}
	p.stop()
	return nil
}

// Up listens again on the same address after Down. It fails if another
// process took the port in between. Up when already up does nothing.
func (p *Proxy) Up() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("fault proxy up: %w", errClosed)
	}
	if p.srv != nil {
		return nil
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return fmt.Errorf("fault proxy up on %s: %w", p.addr, err)
	}
	p.serve(ln)
	return nil
}

// IsDown reports whether the proxy is down (after Down, before Up) or
// closed.
func (p *Proxy) IsDown() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.srv == nil
}

// Close stops the proxy for good: it closes the listener and every
// connection, waits for the requests in flight to end and closes the idle
// connections to the target. Later calls do nothing.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.stop()
	p.mu.Unlock()
	p.inflight.Wait()
	if t, ok := p.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
	return nil
}

// enter registers a request in flight; false once the proxy is closed.
func (p *Proxy) enter() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.inflight.Add(1)
	return true
}
