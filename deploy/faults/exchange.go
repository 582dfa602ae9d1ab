package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// exchange is one request on its way through the proxy.
type exchange struct {
	p     *Proxy
	w     *recorder
	r     *http.Request
	entry Request

	read     bool   // the body was read for matching
	buf      []byte // what was read
	complete bool   // buf is the whole body
	parsed   *bodyNames
}

type exchangeKey struct{}

func (p *Proxy) handle(w http.ResponseWriter, r *http.Request) {
	if !p.enter() {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	defer p.inflight.Done()
	p.stats.seen()
	x := &exchange{p: p, w: &recorder{ResponseWriter: w}, entry: Request{
		Time:      p.now(),
		Method:    r.Method,
		Path:      r.URL.Path,
		Operation: operation(r.Header),
	}}
	x.r = r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x))
	start := time.Now()
	// Deferred so that the entry is kept even when the forwarder aborts the
	// handler (http.ErrAbortHandler) because the client went away.
	defer func() {
		x.entry.Duration = time.Since(start)
		x.entry.Status = x.w.status
		p.stats.record(x.entry)
		if x.entry.Rule != "" {
			p.logger.Debug("fault proxy", "rule", x.entry.Rule, "action", x.entry.Action,
				"method", x.entry.Method, "path", x.entry.Path, "operation", x.entry.Operation,
				"status", x.entry.Status, "forwarded", x.entry.Forwarded, "err", x.entry.Err)
		}
	}()
	rl := p.match(x)
	if rl == nil {
		x.entry.Action = "forward"
		x.forward()
		return
	}
	x.entry.Rule, x.entry.Action = rl.name, rl.Action.String()
	_, pass := rl.Action.(Forward)
	x.entry.Injected = !pass
	p.stats.applied(rl.name, x.entry.Injected)
	rl.Action.serve(x)
}

// body reads the request body for matching, at most p.maxBody of it, and
// puts back a body that yields the same bytes for forwarding. ok is false
// when the body is larger than that or could not be read.
func (x *exchange) body() (b []byte, ok bool) {
	if !x.read {
		x.read = true
		orig := x.r.Body
		buf, err := io.ReadAll(io.LimitReader(orig, x.p.maxBody+1))
		x.buf = buf
		x.complete = err == nil && int64(len(buf)) <= x.p.maxBody
		rest := io.Reader(bytes.NewReader(buf))
		if !x.complete {
			rest = io.MultiReader(rest, orig)
		}
		x.r.Body = readCloser{rest, orig}
	}
	return x.buf, x.complete
}

type readCloser struct {
	io.Reader
	io.Closer
}

// bodyNames are the resource names an AWS JSON request body carries.
type bodyNames struct {
	StreamName, StreamARN, QueueUrl string
}

func (x *exchange) names() *bodyNames {
	if x.parsed == nil {
		x.parsed = &bodyNames{}
		if b, ok := x.body(); ok {
			_ = json.Unmarshal(b, x.parsed) // not JSON: no names, no match
		}
	}
	return x.parsed
}

func (n *bodyNames) hasStream(want string) bool {
	if strings.HasPrefix(want, "arn:") {
		return n.StreamARN == want
	}
	return n.StreamName == want || strings.HasSuffix(n.StreamARN, ":stream/"+want)
}

func (n *bodyNames) hasQueue(want string) bool {
	if n.QueueUrl == "" {
		return false
	}
	return n.QueueUrl == want || n.QueueUrl[strings.LastIndexByte(n.QueueUrl, '/')+1:] == want
}

// forward sends the request to the target and streams the answer back.
func (x *exchange) forward() {
	x.entry.Forwarded = true
	x.p.stats.forwarded()
	x.p.forwarder.ServeHTTP(x.w, x.r)
}

// fail notes a forwarding error in the log entry.
func (x *exchange) fail(err error) {
	if err != nil && x.entry.Err == "" {
		x.entry.Err = err.Error()
	}
}

// roundTrip sends the request to the target with body in place of the
// client's (nil: the client's) and returns the target's answer, whose body
// the caller closes.
func (x *exchange) roundTrip(body []byte) (*http.Response, error) {
	out := x.r.Clone(x.r.Context())
	out.RequestURI = ""
	out.Host = ""
	u := *x.p.target
	u.Path = strings.TrimSuffix(u.Path, "/") + x.r.URL.Path
	u.RawPath = ""
	u.RawQuery = x.r.URL.RawQuery
	out.URL = &u
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	if body != nil {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
		out.Header.Del("Content-Length")
		out.GetBody = nil
	}
	x.entry.Forwarded = true
	x.p.stats.forwarded()
	resp, err := x.p.transport.RoundTrip(out)
	if err != nil {
		x.fail(err)
		return nil, err
	}
	return resp, nil
}

// hopHeaders are the hop-by-hop headers a proxy must not pass on.
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// copyResponse writes resp (status, end-to-end headers, body) to the client.
func (x *exchange) copyResponse(resp *http.Response) {
	defer resp.Body.Close()
	h := x.w.Header()
	for k, v := range resp.Header {
		h[k] = v
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	x.w.WriteHeader(resp.StatusCode)
	if _, err := io.Copy(x.w, resp.Body); err != nil {
		x.fail(err)
	}
}

// wait sleeps for d or until the request is abandoned (the client went
// away, Down, Close); false when it was abandoned. It reads the request body
// first (up to MaxBody), as a server would: net/http notices that a client
// went away only once the body has been read.
func (x *exchange) wait(d time.Duration) bool {
	x.body()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-x.r.Context().Done():
		x.fail(context.Cause(x.r.Context()))
		x.reset(nil) // no answer at all, not an empty 200
		return false
	}
}

// recorder notes the status the client got. Unwrap lets
// http.ResponseController reach Flush and Hijack.
type recorder struct {
	http.ResponseWriter
	status int
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *recorder) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
