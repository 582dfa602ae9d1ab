package otlphttp

import (
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Defaults for the zero values of Options.
const (
	// DefaultTimeout bounds one attempt: connect, send, and read the response.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxIdleConnsPerHost keeps enough warm connections for the
	// export Lambda's concurrent requests to one collector (Go's own default
	// of 2 makes every third concurrent request open a new TLS connection).
	DefaultMaxIdleConnsPerHost = 16
	// DefaultIdleConnTimeout closes pooled connections before the 60 s idle
	// timeout of an AWS load balancer in front of a collector would.
	DefaultIdleConnTimeout = 50 * time.Second
)

// Options configures a Client. Every zero value is usable.
type Options struct {
	// Timeout bounds each attempt (connect, TLS, send the body, read the
	// response). Zero: DefaultTimeout (10 s). Request.Timeout overrides it
	// per request.
	Timeout time.Duration

	// UserAgent is sent on every request. Zero: "otlpfwd/<version>", the
	// version of the main module from the build info ("devel" when unknown).
	UserAgent string

	// MaxIdleConnsPerHost is the number of idle keep-alive connections kept
	// per collector host. Zero: DefaultMaxIdleConnsPerHost (16).
	MaxIdleConnsPerHost int

	// IdleConnTimeout closes a pooled connection idle for this long. Zero:
	// DefaultIdleConnTimeout (50 s).
	IdleConnTimeout time.Duration

	// RootCAs verifies collectors' certificates. Zero (nil): the system pool.
	RootCAs *x509.CertPool

	// InsecureSkipVerify turns off TLS certificate verification, but only
	// when Logger is set too: NewClient then logs a WARN saying so. Without
	// a Logger it is ignored and certificates are verified, so that
	// verification is never turned off silently. Zero: verify.
	InsecureSkipVerify bool

	// Logger receives the client's own warnings (only the one above; the
	// outcome of each request is returned, not logged). Zero (nil): none.
	Logger *slog.Logger

	// Now is the clock used for Retry-After dates, deadlines and Result.
	// Zero: time.Now.
	Now func() time.Time
}

// Client posts OTLP/HTTP requests over one pooled keep-alive transport. It
// is safe for concurrent use; build it once and reuse it.
type Client struct {
	http      *http.Client
	timeout   time.Duration
	userAgent string
	now       func() time.Time
	insecure  bool

	// newTimer makes the timer that SendWithRetry sleeps on; tests replace
	// it to sleep on a fake clock.
	newTimer func() backoff.Timer
}

// NewClient builds a Client and its transport.
func NewClient(o Options) *Client {
	c := &Client{
		timeout:   o.Timeout,
		userAgent: o.UserAgent,
		now:       o.Now,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.userAgent == "" {
		c.userAgent = "otlpfwd/" + buildVersion()
	}
	if c.now == nil {
		c.now = time.Now
	}
	perHost := o.MaxIdleConnsPerHost
	if perHost <= 0 {
		perHost = DefaultMaxIdleConnsPerHost
	}
	idle := o.IdleConnTimeout
	if idle <= 0 {
		idle = DefaultIdleConnTimeout
	}

	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: o.RootCAs}
	if o.InsecureSkipVerify && o.Logger != nil {
		tlsConf.InsecureSkipVerify = true
		c.insecure = true
		o.Logger.Warn("TLS certificate verification is disabled for OTLP/HTTP exports: any server can impersonate a collector",
			"insecure_skip_verify", true)
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsConf,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   5 * time.Second,
		MaxIdleConns:          max(100, perHost),
		MaxIdleConnsPerHost:   perHost,
		IdleConnTimeout:       idle,
		ExpectContinueTimeout: time.Second,
		// No Accept-Encoding: collectors answer with small uncompressed
		// bodies, and the 64 KiB read limit then counts wire bytes.
		DisableCompression: true,
	}
	c.http = &http.Client{
		Transport: transport,
		// A collector endpoint that redirects is misconfigured; following
		// it would resend the body (and its credentials) elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// InsecureSkipVerify reports whether certificate verification is off (see
// Options.InsecureSkipVerify).
func (c *Client) InsecureSkipVerify() bool { return c.insecure }

// CloseIdleConnections closes pooled connections that are not in use.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
	}
	return "devel"
}
