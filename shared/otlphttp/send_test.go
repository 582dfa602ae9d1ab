package otlphttp

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

var testNow = time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)

// reply is a canned collector answer.
type reply struct {
	status      int
	contentType string
	retryAfter  string
	body        []byte
}

func (rp reply) write(w http.ResponseWriter) {
	if rp.contentType != "" {
		w.Header().Set("Content-Type", rp.contentType)
	}
	if rp.retryAfter != "" {
		w.Header().Set("Retry-After", rp.retryAfter)
	}
	w.WriteHeader(rp.status)
	_, _ = w.Write(rp.body)
}

func TestSendClassifiesEveryStatus(t *testing.T) {
	const pb, js = "application/x-protobuf", "application/json"
	type want struct {
		err        bool
		status     int
		retryable  bool
		retryAfter time.Duration
		body       string // Error.Body
		partial    PartialSuccess
		bodyErr    bool
	}
	tests := []struct {
		name   string
		signal otlp.Signal
		reqCT  string
		reply  reply
		want   want
	}{
		{"200 empty body", otlp.Traces, pb, reply{status: 200}, want{status: 200}},
		{"200 empty protobuf response", otlp.Traces, pb, reply{status: 200, contentType: pb, body: []byte{}}, want{status: 200}},
		{"202 accepted", otlp.Logs, pb, reply{status: 202}, want{status: 202}},
		{"200 partial success protobuf traces", otlp.Traces, pb,
			reply{status: 200, contentType: pb, body: marshalProto(t, exportResponse(t, otlp.Traces, 7, "7 spans had no trace id"))},
			want{status: 200, partial: PartialSuccess{Rejected: 7, Message: "7 spans had no trace id"}}},
		{"200 partial success protobuf metrics", otlp.Metrics, pb,
			reply{status: 200, contentType: pb, body: marshalProto(t, exportResponse(t, otlp.Metrics, 12, "bad points"))},
			want{status: 200, partial: PartialSuccess{Rejected: 12, Message: "bad points"}}},
		{"200 partial success warning only", otlp.Logs, pb,
			reply{status: 200, contentType: pb, body: marshalProto(t, exportResponse(t, otlp.Logs, 0, "deprecated attribute"))},
			want{status: 200, partial: PartialSuccess{Message: "deprecated attribute"}}},
		{"200 partial success JSON camel case", otlp.Logs, js,
			reply{status: 200, contentType: js, body: marshalJSON(t, exportResponse(t, otlp.Logs, 3, "too old"), false)},
			want{status: 200, partial: PartialSuccess{Rejected: 3, Message: "too old"}}},
		{"200 partial success JSON proto names", otlp.Metrics, js,
			reply{status: 200, contentType: js + "; charset=utf-8", body: marshalJSON(t, exportResponse(t, otlp.Metrics, 4, "nan"), true)},
			want{status: 200, partial: PartialSuccess{Rejected: 4, Message: "nan"}}},
		{"200 partial success JSON number, no content type", otlp.Traces, js,
			reply{status: 200, body: []byte(`{"partialSuccess":{"rejectedSpans":5,"errorMessage":"x"}}`)},
			want{status: 200, partial: PartialSuccess{Rejected: 5, Message: "x"}}},
		{"200 undecodable body is still success", otlp.Traces, pb,
			reply{status: 200, contentType: pb, body: []byte{0x0a, 0xff}},
			want{status: 200, bodyErr: true}},
		{"400 google.rpc.Status protobuf", otlp.Traces, pb,
			reply{status: 400, contentType: pb, body: marshalProto(t, rpcStatus(t, 3, "proto: cannot parse invalid wire-format data"))},
			want{err: true, status: 400, body: "proto: cannot parse invalid wire-format data"}},
		{"400 google.rpc.Status JSON", otlp.Traces, js,
			reply{status: 400, contentType: js, body: marshalJSON(t, rpcStatus(t, 3, "unexpected token"), false)},
			want{err: true, status: 400, body: "unexpected token"}},
		{"401 text", otlp.Traces, pb, reply{status: 401, contentType: "text/plain", body: []byte("missing credentials\n")},
			want{err: true, status: 401, body: "missing credentials"}},
		{"403", otlp.Traces, pb, reply{status: 403, body: []byte("forbidden")}, want{err: true, status: 403, body: "forbidden"}},
		{"404", otlp.Logs, pb, reply{status: 404, contentType: "text/plain", body: []byte("404 page not found")},
			want{err: true, status: 404, body: "404 page not found"}},
		{"413", otlp.Traces, pb, reply{status: 413, body: []byte("request body too large")},
			want{err: true, status: 413, body: "request body too large"}},
		{"415", otlp.Traces, pb, reply{status: 415, body: []byte("415 unsupported media type, supported: [application/json, application/x-protobuf]")},
			want{err: true, status: 415, body: "415 unsupported media type, supported: [application/json, application/x-protobuf]"}},
		{"429 Retry-After seconds", otlp.Traces, pb, reply{status: 429, retryAfter: "7", body: []byte("slow down")},
			want{err: true, status: 429, retryable: true, retryAfter: 7 * time.Second, body: "slow down"}},
		{"429 Retry-After HTTP-date", otlp.Traces, pb, reply{status: 429, retryAfter: testNow.Add(90 * time.Second).Format(http.TimeFormat)},
			want{err: true, status: 429, retryable: true, retryAfter: 90 * time.Second}},
		{"429 Retry-After in the past", otlp.Traces, pb, reply{status: 429, retryAfter: testNow.Add(-time.Hour).Format(http.TimeFormat)},
			want{err: true, status: 429, retryable: true}},
		{"429 Retry-After malformed", otlp.Traces, pb, reply{status: 429, retryAfter: "soon"},
			want{err: true, status: 429, retryable: true}},
		{"500 is permanent", otlp.Traces, pb, reply{status: 500, body: []byte("internal")},
			want{err: true, status: 500, body: "internal"}},
		{"502", otlp.Traces, pb, reply{status: 502, retryAfter: "9", body: []byte("bad gateway")},
			want{err: true, status: 502, retryable: true, body: "bad gateway"}}, // Retry-After only counts on 429 and 503
		{"503 without Retry-After", otlp.Metrics, pb,
			reply{status: 503, contentType: pb, body: marshalProto(t, rpcStatus(t, 14, "sending queue is full"))},
			want{err: true, status: 503, retryable: true, body: "sending queue is full"}},
		{"503 Retry-After HTTP-date", otlp.Metrics, pb, reply{status: 503, retryAfter: testNow.Add(2 * time.Minute).Format(time.RFC850)},
			want{err: true, status: 503, retryable: true, retryAfter: 2 * time.Minute}},
		{"504", otlp.Traces, pb, reply{status: 504}, want{err: true, status: 504, retryable: true}},
		{"307 redirect is not followed", otlp.Traces, pb, reply{status: 307, body: []byte("moved")},
			want{err: true, status: 307, body: "moved"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan received, 1)
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				got <- readRequest(r)
				if tt.reply.status == 307 {
					w.Header().Set("Location", "/elsewhere")
				}
				tt.reply.write(w)
			})
			c := NewClient(Options{Now: func() time.Time { return testNow }, UserAgent: "otlpfwd/test"})
			body := []byte("\x0a\x02\x08\x01 encoded request")
			req := Request{
				URL: srv.URL + tt.signal.Path(), Signal: tt.signal, Body: body,
				ContentType: tt.reqCT, ContentEncoding: "gzip",
			}
			resp, err := c.Send(context.Background(), req)

			r := <-got
			if r.method != http.MethodPost || r.path != tt.signal.Path() || !bytes.Equal(r.body, body) ||
				r.contentType != tt.reqCT || r.contentEncoding != "gzip" || r.userAgent != "otlpfwd/test" {
				t.Errorf("server received %s %s CT=%q CE=%q UA=%q body=%q", r.method, r.path, r.contentType, r.contentEncoding, r.userAgent, r.body)
			}
			if resp.Status != tt.want.status {
				t.Errorf("Response.Status = %d, want %d", resp.Status, tt.want.status)
			}
			if !tt.want.err {
				if err != nil {
					t.Fatalf("Send error = %v, want success", err)
				}
				if resp.PartialSuccess != tt.want.partial {
					t.Errorf("PartialSuccess = %+v, want %+v", resp.PartialSuccess, tt.want.partial)
				}
				if (resp.BodyErr != nil) != tt.want.bodyErr {
					t.Errorf("BodyErr = %v, want error: %v", resp.BodyErr, tt.want.bodyErr)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Send error = %v (%T), want *Error", err, err)
			}
			if e.Status != tt.want.status || e.Retryable != tt.want.retryable || e.RetryAfter != tt.want.retryAfter || e.Body != tt.want.body {
				t.Errorf("Error = {Status:%d Retryable:%v RetryAfter:%s Body:%q}, want {%d %v %s %q}",
					e.Status, e.Retryable, e.RetryAfter, e.Body, tt.want.status, tt.want.retryable, tt.want.retryAfter, tt.want.body)
			}
			msg := err.Error()
			for _, part := range []string{"POST " + srv.URL + tt.signal.Path(), http.StatusText(tt.want.status), tt.want.body} {
				if !strings.Contains(msg, part) {
					t.Errorf("error %q does not contain %q", msg, part)
				}
			}
			if wantTag := map[bool]string{true: "(retryable", false: "(permanent)"}[tt.want.retryable]; !strings.Contains(msg, wantTag) {
				t.Errorf("error %q does not say %q", msg, wantTag)
			}
		})
	}
}

func TestSendKeepsSecretsOutOfErrors(t *testing.T) {
	const (
		token  = "SECRETTOKEN-0123456789"
		apiKey = "k3y-abcdefgh"
		pass   = "hunter2pass"
		query  = "QUERYSECRET123"
	)
	got := make(chan received, 1)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		got <- readRequest(r)
		// A collector that echoes the rejected credentials back.
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("invalid credentials: Authorization=" + r.Header.Get("Authorization") + " key=" + r.Header.Get("X-Api-Key")))
	})
	c := NewClient(Options{})
	url := strings.Replace(srv.URL, "http://", "http://user:"+pass+"@", 1) + "/v1/traces?api_key=" + query + "#frag"
	_, err := c.Send(context.Background(), Request{
		URL: url, Signal: otlp.Traces, Body: []byte("x"), ContentType: "application/x-protobuf",
		Headers: map[string]string{"Authorization": "Bearer " + token, "x-api-key": apiKey},
	})
	r := <-got
	if r.header.Get("Authorization") != "Bearer "+token || r.header.Get("X-Api-Key") != apiKey {
		t.Fatalf("server received Authorization=%q X-Api-Key=%q; headers did not reach it", r.header.Get("Authorization"), r.header.Get("X-Api-Key"))
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusUnauthorized || e.Retryable {
		t.Fatalf("Send error = %v, want a permanent 401", err)
	}
	msg := err.Error()
	for _, secret := range []string{token, apiKey, pass, query, "user:", "frag"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error %q contains the secret %q", msg, secret)
		}
	}
	if want := "POST " + srv.URL + "/v1/traces: HTTP 401 Unauthorized"; !strings.HasPrefix(msg, want) {
		t.Errorf("error %q does not start with %q", msg, want)
	}
	if !strings.Contains(e.Body, "Authorization=[REDACTED] key=[REDACTED]") {
		t.Errorf("Body = %q, want the echoed credentials redacted", e.Body)
	}

	// A network error: net/http's own message would quote the whole URL.
	srv.Close()
	_, err = c.Send(context.Background(), Request{
		URL: url, Signal: otlp.Traces, Body: []byte("x"), ContentType: "application/x-protobuf",
		Headers: map[string]string{"Authorization": "Bearer " + token},
	})
	if !errors.As(err, &e) || !e.Retryable || e.Status != 0 {
		t.Fatalf("Send to a closed server: error = %v, want a retryable network *Error", err)
	}
	for _, secret := range []string{token, pass, query, "user:"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains the secret %q", err, secret)
		}
	}

	// An invalid header value is refused before sending, by name only.
	_, err = c.Send(context.Background(), Request{
		URL: srv.URL + "/v1/traces", Signal: otlp.Traces, ContentType: "application/x-protobuf",
		Headers: map[string]string{"Authorization": "Bearer " + token + "\r\nX-Injected: 1"},
	})
	if !errors.As(err, &e) || e.Retryable || !strings.Contains(err.Error(), `header "Authorization"`) {
		t.Fatalf("Send with a CRLF header value: error = %v, want a permanent error naming the header", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("error %q contains the header value", err)
	}
}

func TestSendRefusesInvalidRequests(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	ok := Request{URL: srv.URL + "/v1/traces", Signal: otlp.Traces, ContentType: "application/x-protobuf"}
	tests := []struct {
		name string
		edit func(*Request)
		want string
	}{
		{"scheme", func(r *Request) { r.URL = "ftp://host/v1/traces" }, `URL scheme "ftp"`},
		{"no host", func(r *Request) { r.URL = "http:///v1/traces" }, "URL has no host"},
		{"unparsable URL", func(r *Request) { r.URL = "http://host:port?key=SECRET/v1/traces" }, "invalid collector URL"},
		{"signal", func(r *Request) { r.Signal = 0 }, "invalid signal"},
		{"content type", func(r *Request) { r.ContentType = "text/plain" }, `content type "text/plain"`},
		{"content encoding", func(r *Request) { r.ContentEncoding = "br" }, `content encoding "br"`},
		{"header name", func(r *Request) { r.Headers = map[string]string{"Bad Name": "v"} }, `header name "Bad Name"`},
	}
	c := NewClient(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := ok
			tt.edit(&req)
			_, err := c.Send(context.Background(), req)
			var e *Error
			if !errors.As(err, &e) || e.Retryable || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want a permanent *Error containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error %q quotes the URL's query", err)
			}
		})
	}
	if n := srv.requests.Load(); n != 0 {
		t.Errorf("server received %d requests; invalid requests must not be sent", n)
	}
}

func TestSendAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select { // hold the response until the client gives up
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c := NewClient(Options{Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := c.Send(context.Background(), Request{URL: srv.URL + "/v1/logs", Signal: otlp.Logs, ContentType: "application/json"})
	elapsed := time.Since(start)
	var e *Error
	if !errors.As(err, &e) || !e.Retryable || e.Status != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want a retryable timeout", err)
	}
	if !strings.Contains(err.Error(), "attempt timeout of 200ms") {
		t.Errorf("error %q does not name the attempt timeout", err)
	}
	if elapsed > 5*time.Second { // generous: the server would hold it forever
		t.Errorf("Send took %s with a 200ms attempt timeout", elapsed)
	}

	// The caller's context ending is not retryable.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = c.Send(ctx, Request{URL: srv.URL + "/v1/logs", Signal: otlp.Logs, ContentType: "application/json", Timeout: time.Minute})
	if !errors.As(err, &e) || e.Retryable || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want a non-retryable context error", err)
	}
	if strings.Contains(err.Error(), "(permanent)") {
		t.Errorf("error %q calls the caller's cancellation permanent", err)
	}
}
