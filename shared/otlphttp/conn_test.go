package otlphttp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

func tracesRequest(base string) Request {
	return Request{URL: base + "/v1/traces", Signal: otlp.Traces, Body: []byte("spans"), ContentType: "application/x-protobuf"}
}

func TestHugeResponseBodyIsNotReadAndPoolRecovers(t *testing.T) {
	const huge = 100 << 20 // 100 MiB
	for _, withLength := range []bool{false, true} {
		t.Run("content-length="+strconv.FormatBool(withLength), func(t *testing.T) {
			var written atomic.Int64
			done := make(chan struct{}, 1)
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if r.Header.Get("X-Huge") == "" {
					w.WriteHeader(http.StatusOK)
					return
				}
				defer func() { done <- struct{}{} }()
				w.Header().Set("Content-Type", "text/plain")
				if withLength {
					w.Header().Set("Content-Length", strconv.Itoa(huge))
				}
				w.WriteHeader(http.StatusBadRequest)
				chunk := bytes.Repeat([]byte("too big! "), 32<<10/9)
				for written.Load() < huge {
					n, err := w.Write(chunk[:min(len(chunk), huge-int(written.Load()))])
					written.Add(int64(n))
					if err != nil {
						return // the client hung up: what we want
					}
				}
			})
			c := NewClient(Options{})
			req := tracesRequest(srv.URL)
			req.Headers = map[string]string{"X-Huge": "1"}
			_, err := c.Send(context.Background(), req)
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.Retryable {
				t.Fatalf("error = %v, want a permanent 400", err)
			}
			if !strings.HasPrefix(e.Body, "too big! too big!") || len(e.Body) > maxExcerpt {
				t.Errorf("Body = %q (%d bytes), want a short excerpt of the text", e.Body[:min(len(e.Body), 40)], len(e.Body))
			}
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("the server is still writing the huge body: the client did not hang up")
			}
			// Socket buffers hold a few MiB; anything near 100 MiB was read.
			n := written.Load()
			if n >= huge/2 {
				t.Errorf("server wrote %d bytes before the client hung up; want far less than %d", n, huge)
			}
			t.Logf("server wrote %d bytes of %d before the client hung up", n, huge)

			// The pool recovers: the huge response cost its connection, and
			// the next requests share one new connection.
			for i := range 5 {
				if _, err := c.Send(context.Background(), tracesRequest(srv.URL)); err != nil {
					t.Fatalf("request %d after the huge body: %v", i, err)
				}
			}
			if n := srv.conns.Load(); n != 2 {
				t.Errorf("server saw %d connections, want 2 (one closed by the huge body, one reused 5 times)", n)
			}
		})
	}
}

func TestConnectionsAreReused(t *testing.T) {
	tests := []struct {
		name  string
		reply reply
	}{
		{"200 empty", reply{status: 200}},
		{"200 partial success", reply{status: 200, contentType: "application/x-protobuf",
			body: marshalProto(t, exportResponse(t, otlp.Traces, 1, "bad span"))}},
		{"400 with a body longer than the read limit", reply{status: 400, body: bytes.Repeat([]byte("e"), maxBodyRead+100<<10)}},
		{"503 with a body just over the read limit", reply{status: 503, body: bytes.Repeat([]byte("e"), maxBodyRead+1)}},
		{"200 with a body longer than the read limit", reply{status: 200, body: bytes.Repeat([]byte{0}, maxBodyRead+maxBodyDrain-1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				tt.reply.write(w)
			})
			c := NewClient(Options{})
			for range 5 {
				resp, err := c.Send(context.Background(), tracesRequest(srv.URL))
				if resp.Status != tt.reply.status {
					t.Fatalf("Status = %d (error %v), want %d", resp.Status, err, tt.reply.status)
				}
			}
			if n := srv.requests.Load(); n != 5 {
				t.Fatalf("server saw %d requests, want 5", n)
			}
			if n := srv.conns.Load(); n != 1 {
				t.Errorf("server saw %d connections for 5 sequential requests, want 1", n)
			}
		})
	}
}

// hijack answers with raw bytes (after reading the request headers, and the
// body if readBody) and closes; rst closes with a TCP reset.
func hijack(t *testing.T, raw string, readBody, rst bool) *server {
	return newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if readBody {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		if raw != "" {
			_, _ = buf.WriteString(raw)
			_ = buf.Flush()
		}
		if tc, ok := conn.(*net.TCPConn); ok && rst {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
	})
}

func TestBrokenConnections(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		readBody  bool
		rst       bool
		bigBody   bool
		wantErr   bool
		status    int
		retryable bool
		bodyErr   bool
	}{
		{name: "closed before any response", readBody: true, wantErr: true, retryable: true},
		{name: "reset before any response", readBody: true, rst: true, wantErr: true, retryable: true},
		{name: "reset while the request body is sent", rst: true, bigBody: true, wantErr: true, retryable: true},
		{name: "closed mid status line", raw: "HTTP/1.1 50", readBody: true, wantErr: true, retryable: true},
		{name: "503 closed mid-body", raw: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1000\r\n\r\nqueue ful",
			readBody: true, wantErr: true, status: 503, retryable: true},
		{name: "400 reset mid-body", raw: "HTTP/1.1 400 Bad Request\r\nContent-Length: 1000\r\n\r\nbad",
			readBody: true, rst: true, wantErr: true, status: 400},
		{name: "200 closed mid-body is delivered", raw: "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100\r\n\r\n\x0a\x05",
			readBody: true, status: 200, bodyErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := hijack(t, tt.raw, tt.readBody, tt.rst)
			c := NewClient(Options{})
			req := tracesRequest(srv.URL)
			if tt.bigBody {
				req.Body = bytes.Repeat([]byte("x"), 32<<20)
			}
			resp, err := c.Send(context.Background(), req)
			t.Logf("error: %v", err)
			if resp.Status != tt.status {
				t.Errorf("Status = %d, want %d", resp.Status, tt.status)
			}
			if !tt.wantErr {
				if err != nil || (resp.BodyErr != nil) != tt.bodyErr {
					t.Fatalf("error = %v, BodyErr = %v; want success with BodyErr: %v", err, resp.BodyErr, tt.bodyErr)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Retryable != tt.retryable || e.Status != tt.status || e.Err == nil {
				t.Fatalf("error = %v, want *Error{Status: %d, Retryable: %v} with a cause", err, tt.status, tt.retryable)
			}
		})
	}
}

func TestTLSVerification(t *testing.T) {
	tlsSrv := newTLSServer(t)
	url := tlsSrv.URL

	t.Run("untrusted certificate is permanent", func(t *testing.T) {
		_, err := NewClient(Options{}).Send(context.Background(), tracesRequest(url))
		var e *Error
		if !errors.As(err, &e) || e.Retryable || e.Status != 0 || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("error = %v, want a permanent certificate error", err)
		}
	})
	t.Run("RootCAs", func(t *testing.T) {
		pool := tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
		if _, err := NewClient(Options{RootCAs: pool}).Send(context.Background(), tracesRequest(url)); err != nil {
			t.Fatalf("error = %v, want success with the server's CA", err)
		}
	})
	t.Run("InsecureSkipVerify without a logger is ignored", func(t *testing.T) {
		c := NewClient(Options{InsecureSkipVerify: true})
		if c.InsecureSkipVerify() {
			t.Error("InsecureSkipVerify() = true without a logger")
		}
		if _, err := c.Send(context.Background(), tracesRequest(url)); err == nil {
			t.Fatal("Send succeeded against an untrusted certificate")
		}
	})
	t.Run("InsecureSkipVerify with a logger warns", func(t *testing.T) {
		var logs bytes.Buffer
		c := NewClient(Options{InsecureSkipVerify: true, Logger: newTestLogger(&logs)})
		if !c.InsecureSkipVerify() {
			t.Error("InsecureSkipVerify() = false")
		}
		line, _ := bufio.NewReader(&logs).ReadString('\n')
		if !strings.Contains(line, `"level":"WARN"`) || !strings.Contains(line, "verification is disabled") {
			t.Errorf("log = %q, want a WARN about disabled verification", line)
		}
		if _, err := c.Send(context.Background(), tracesRequest(url)); err != nil {
			t.Fatalf("error = %v, want success without verification", err)
		}
	})
}
