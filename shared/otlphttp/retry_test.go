package otlphttp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// script serves the replies in order, then repeats the last one, and
// records the bodies it received.
type script struct {
	mu      sync.Mutex
	replies []reply
	bodies  [][]byte
}

func (s *script) handle(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, b)
	rp := s.replies[min(len(s.bodies), len(s.replies))-1]
	s.mu.Unlock()
	rp.write(w)
}

func (s *script) received() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bodies...)
}

// noJitter makes the waits exact: 500ms, 750ms, 1.125s, ...
var noJitter = RetryPolicy{Jitter: -1}

func TestSendWithRetryRetriesThenSucceeds(t *testing.T) {
	start := testNow
	sc := &script{replies: []reply{{status: 503}, {status: 502}, {status: 504}, {status: 200}}}
	srv := newServer(t, sc.handle)
	clock := newFakeClock(start)
	c, timer := newFakeClient(Options{}, clock)

	var seen []Attempt
	req := tracesRequest(srv.URL)
	resp, res, err := c.SendWithRetry(context.Background(), req, noJitter, func(a Attempt) { seen = append(seen, a) })
	if err != nil || resp.Status != 200 {
		t.Fatalf("SendWithRetry = %d, %v; want 200, nil", resp.Status, err)
	}
	wantWaits := []time.Duration{500 * time.Millisecond, 750 * time.Millisecond, 1125 * time.Millisecond}
	if !reflect.DeepEqual(timer.waits, wantWaits) {
		t.Errorf("waits = %v, want %v", timer.waits, wantWaits)
	}
	want := Result{
		Attempts:     4,
		FirstFailure: start,
		LastFailure:  start.Add(1250 * time.Millisecond),
		Waited:       2375 * time.Millisecond,
	}
	if res != want {
		t.Errorf("Result = %+v, want %+v", res, want)
	}
	var statuses []int
	for i, a := range seen {
		statuses = append(statuses, a.Response.Status)
		if a.N != i+1 {
			t.Errorf("attempt %d has N = %d", i+1, a.N)
		}
		if wantWait := append(wantWaits, 0)[i]; a.Wait != wantWait {
			t.Errorf("attempt %d Wait = %s, want %s", i+1, a.Wait, wantWait)
		}
		if (a.Err == nil) != (i == 3) {
			t.Errorf("attempt %d Err = %v", i+1, a.Err)
		}
	}
	if !reflect.DeepEqual(statuses, []int{503, 502, 504, 200}) {
		t.Errorf("observed statuses %v, want [503 502 504 200]", statuses)
	}
	bodies := sc.received()
	if len(bodies) != 4 {
		t.Fatalf("server received %d requests, want 4", len(bodies))
	}
	for i, b := range bodies {
		if !bytes.Equal(b, req.Body) {
			t.Errorf("request %d body = %q, want %q", i+1, b, req.Body)
		}
	}
}

func TestSendWithRetryHonoursRetryAfter(t *testing.T) {
	clock := newFakeClock(testNow)
	sc := &script{replies: []reply{
		{status: 429, retryAfter: "3"},
		{status: 503, retryAfter: testNow.Add(3 * time.Second).Add(4 * time.Second).Format(http.TimeFormat)},
		{status: 502, retryAfter: "60"}, // not honoured on 502: the backoff decides
		{status: 200},
	}}
	srv := newServer(t, sc.handle)
	c, timer := newFakeClient(Options{}, clock)
	_, res, err := c.SendWithRetry(context.Background(), tracesRequest(srv.URL), noJitter, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{3 * time.Second, 4 * time.Second, 1125 * time.Millisecond}
	if !reflect.DeepEqual(timer.waits, want) {
		t.Errorf("waits = %v, want %v (Retry-After seconds, then HTTP-date, then backoff)", timer.waits, want)
	}
	if res.Attempts != 4 || res.Waited != 8125*time.Millisecond {
		t.Errorf("Result = %+v, want 4 attempts and 8.125s waited", res)
	}
}

func TestSendWithRetryDoesNotRetry(t *testing.T) {
	tests := []struct {
		name  string
		reply reply
	}{
		{"partial success", reply{status: 200, contentType: "application/x-protobuf",
			body: marshalProto(t, exportResponse(t, otlp.Traces, 2, "dropped"))}},
		{"400", reply{status: 400}},
		{"401", reply{status: 401}},
		{"403", reply{status: 403}},
		{"404", reply{status: 404}},
		{"413", reply{status: 413}},
		{"415", reply{status: 415}},
		{"500", reply{status: 500, retryAfter: "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := &script{replies: []reply{tt.reply, {status: 200}}}
			srv := newServer(t, sc.handle)
			c, timer := newFakeClient(Options{}, newFakeClock(testNow))
			resp, res, err := c.SendWithRetry(context.Background(), tracesRequest(srv.URL), RetryPolicy{}, nil)
			if n := len(sc.received()); n != 1 || res.Attempts != 1 || len(timer.waits) != 0 {
				t.Fatalf("server received %d requests, Attempts = %d, waits %v; want exactly one attempt", n, res.Attempts, timer.waits)
			}
			if tt.reply.status == 200 {
				if err != nil || resp.PartialSuccess != (PartialSuccess{Rejected: 2, Message: "dropped"}) {
					t.Fatalf("SendWithRetry = %+v, %v; want the partial success and no error", resp, err)
				}
				if !res.FirstFailure.IsZero() {
					t.Errorf("FirstFailure = %v on success", res.FirstFailure)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != tt.reply.status || e.Retryable || errors.Is(err, ErrRetriesExhausted) {
				t.Fatalf("error = %v, want the permanent *Error itself", err)
			}
			if res.FirstFailure != testNow || res.LastFailure != testNow {
				t.Errorf("Result = %+v, want first = last failure = %v", res, testNow)
			}
		})
	}
}

func TestSendWithRetryStopsBeforeDeadlineMargin(t *testing.T) {
	// Fake time starts at the real now so that ctx's real deadline and the
	// fake clock agree; the fake waits take no real time.
	start := time.Now()
	clock := newFakeClock(start)
	sc := &script{replies: []reply{{status: 503, retryAfter: "5", body: []byte("queue full")}}}
	srv := newServer(t, sc.handle)
	c, timer := newFakeClient(Options{}, clock)
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(10*time.Second))
	defer cancel()

	// cutoff = deadline - 2s margin = start+8s. Attempt 1 at +0, wait 5s,
	// attempt 2 at +5s; another 5s wait would end at +10s: stop at once.
	_, res, err := c.SendWithRetry(ctx, tracesRequest(srv.URL), RetryPolicy{Margin: 2 * time.Second}, nil)
	if !errors.Is(err, ErrRetriesExhausted) {
		t.Fatalf("error = %v, want ErrRetriesExhausted", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != 503 || e.Body != "queue full" {
		t.Fatalf("error = %v, want it to wrap the last 503", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v: it stopped before the deadline, yet claims the deadline passed", err)
	}
	if !strings.Contains(err.Error(), "after 2 attempts") || !strings.Contains(err.Error(), "deadline margin") {
		t.Errorf("error %q does not say why it stopped", err)
	}
	if res.Attempts != 2 || !reflect.DeepEqual(timer.waits, []time.Duration{5 * time.Second}) || res.Waited != 5*time.Second {
		t.Errorf("Result = %+v, waits %v; want 2 attempts and one 5s wait", res, timer.waits)
	}
	if now := clock.Now(); now.After(start.Add(8 * time.Second)) {
		t.Errorf("fake clock at +%s, past the deadline minus margin (+8s)", now.Sub(start))
	}
}

func TestSendWithRetryNoTimeForAnAttempt(t *testing.T) {
	sc := &script{replies: []reply{{status: 200}}}
	srv := newServer(t, sc.handle)
	c := NewClient(Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, res, err := c.SendWithRetry(ctx, tracesRequest(srv.URL), RetryPolicy{Margin: 5 * time.Second}, nil)
	var e *Error
	if !errors.Is(err, ErrRetriesExhausted) || !errors.As(err, &e) || !e.Retryable {
		t.Fatalf("error = %v, want ErrRetriesExhausted wrapping a retryable *Error", err)
	}
	if res.Attempts != 0 || len(sc.received()) != 0 {
		t.Errorf("Attempts = %d, server received %d; want nothing sent inside the margin", res.Attempts, len(sc.received()))
	}
}

func TestSendWithRetryMaxAttemptsAndJitter(t *testing.T) {
	sc := &script{replies: []reply{{status: 503}}}
	srv := newServer(t, sc.handle)
	c, timer := newFakeClient(Options{}, newFakeClock(testNow))
	_, res, err := c.SendWithRetry(context.Background(), tracesRequest(srv.URL), RetryPolicy{MaxAttempts: 6}, nil)
	if !errors.Is(err, ErrRetriesExhausted) || !strings.Contains(err.Error(), "limit of 6 attempts") {
		t.Fatalf("error = %v, want ErrRetriesExhausted after 6 attempts", err)
	}
	if res.Attempts != 6 || len(sc.received()) != 6 || len(timer.waits) != 5 {
		t.Fatalf("Attempts = %d, requests %d, waits %v; want 6, 6 and 5 waits", res.Attempts, len(sc.received()), timer.waits)
	}
	// Default jitter 0.5 around 0.5s * 1.5^n, capped at 5s before jitter.
	base := 500 * time.Millisecond
	for i, w := range timer.waits {
		lo, hi := time.Duration(float64(base)*0.5), time.Duration(float64(base)*1.5)
		if w < lo || w > hi {
			t.Errorf("wait %d = %s, want within [%s, %s]", i+1, w, lo, hi)
		}
		base = min(time.Duration(float64(base)*1.5), 5*time.Second)
	}
}

func TestSendWithRetryKeepsLastErrorWhenCancelledWhileWaiting(t *testing.T) {
	sc := &script{replies: []reply{{status: 429, body: []byte("rate limited")}}}
	srv := newServer(t, sc.handle)
	clock := newFakeClock(testNow)
	c, timer := newFakeClient(Options{}, clock)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	timer.onStart = func(time.Duration) bool {
		cancel() // the caller gives up during the wait; the timer never fires
		return false
	}
	_, res, err := c.SendWithRetry(ctx, tracesRequest(srv.URL), noJitter, nil)
	var e *Error
	if !errors.Is(err, ErrRetriesExhausted) || !errors.Is(err, context.Canceled) || !errors.As(err, &e) || e.Status != 429 || e.Body != "rate limited" {
		t.Fatalf("error = %v, want ErrRetriesExhausted, context.Canceled and the 429 it hid", err)
	}
	if res.Attempts != 1 {
		t.Errorf("Attempts = %d, want 1", res.Attempts)
	}
}

func TestSendWithRetryNetworkErrorThenSuccess(t *testing.T) {
	var (
		mu    sync.Mutex
		calls int
	)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			conn, _, _ := http.NewResponseController(w).Hijack()
			_ = conn.Close() // no response at all
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	c, timer := newFakeClient(Options{}, newFakeClock(testNow))
	var errs []error
	resp, res, err := c.SendWithRetry(context.Background(), tracesRequest(srv.URL), noJitter, func(a Attempt) { errs = append(errs, a.Err) })
	if err != nil || resp.Status != 200 || res.Attempts != 2 || len(timer.waits) != 1 {
		t.Fatalf("SendWithRetry = %d, %+v, %v; want 200 after 2 attempts", resp.Status, res, err)
	}
	var e *Error
	if len(errs) != 2 || !errors.As(errs[0], &e) || e.Status != 0 || !e.Retryable || errs[1] != nil {
		t.Errorf("observed errors %v, want a retryable network error then nil", errs)
	}
}

func TestSendWithRetryAttemptTimeoutThenSuccess(t *testing.T) {
	var (
		mu    sync.Mutex
		calls int
	)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body) // so that the server sees the client hang up
		if n == 1 {
			<-r.Context().Done() // too slow: the client gives up first
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	c, _ := newFakeClient(Options{Timeout: 200 * time.Millisecond}, newFakeClock(time.Now()))
	var errs []error
	_, res, err := c.SendWithRetry(context.Background(), tracesRequest(srv.URL), noJitter, func(a Attempt) { errs = append(errs, a.Err) })
	if err != nil || res.Attempts != 2 {
		t.Fatalf("SendWithRetry: %+v, %v; want success on the 2nd attempt", res, err)
	}
	if !errors.Is(errs[0], context.DeadlineExceeded) {
		t.Errorf("first attempt error = %v, want the attempt timeout", errs[0])
	}
}

// TestSendWithRetryRealDeadline runs on the real clock: a collector that
// never answers, a 30s attempt timeout, and a context with 3s left and a 1s
// margin. The attempt must be cut at the margin, not at 30s or at the
// deadline. Bounds are generous for a loaded machine.
func TestSendWithRetryRealDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c := NewClient(Options{Timeout: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	deadline, _ := ctx.Deadline()
	margin := time.Second
	_, res, err := c.SendWithRetry(ctx, tracesRequest(srv.URL), RetryPolicy{Margin: margin}, nil)
	returned := time.Now()

	if ctx.Err() != nil || !returned.Before(deadline) {
		t.Fatalf("returned %s after the deadline; the margin was not kept", returned.Sub(deadline))
	}
	// Returning before the deadline is the property: a client that
	// ignored the margin would wait for the context to end. How far
	// inside the margin it returns is the scheduler's business on a
	// loaded machine (a 500 ms bound flaked at 626 ms).
	var e *Error
	if !errors.Is(err, ErrRetriesExhausted) || !errors.As(err, &e) || !e.Retryable || !errors.Is(e, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want retries exhausted wrapping a retryable timeout", err)
	}
	if res.Attempts != 1 || !res.CutShort {
		t.Errorf("Result = %+v, want 1 attempt, cut short by the margin", res)
	}
	if !strings.Contains(err.Error(), "attempt 1 was cut short at the deadline margin") {
		t.Errorf("error %q does not say the attempt was cut short", err)
	}
}

func TestRetryPolicyValidate(t *testing.T) {
	err := RetryPolicy{
		InitialInterval: -time.Second, Multiplier: 0.5, Jitter: 1, MaxAttempts: -1,
	}.Validate()
	if err == nil {
		t.Fatal("Validate accepted an invalid policy")
	}
	for _, want := range []string{"initial interval -1s", "multiplier 0.5", "jitter 1", "max attempts -1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error %q does not list %q", err, want)
		}
	}
	if err := (RetryPolicy{InitialInterval: 10 * time.Second}).Validate(); err == nil || !strings.Contains(err.Error(), "below the initial interval") {
		t.Errorf("Validate(initial 10s, max default 5s) = %v, want an error", err)
	}
	if err := (RetryPolicy{}).Validate(); err != nil {
		t.Errorf("zero policy: %v", err)
	}

	sc := &script{replies: []reply{{status: 200}}}
	srv := newServer(t, sc.handle)
	_, _, err = NewClient(Options{}).SendWithRetry(context.Background(), tracesRequest(srv.URL), RetryPolicy{Multiplier: 0.1}, nil)
	if err == nil || len(sc.received()) != 0 {
		t.Errorf("SendWithRetry with an invalid policy: error %v, %d requests; want an error and nothing sent", err, len(sc.received()))
	}
}

// hangAfter answers the first replies in turn, then never answers: it
// holds each later request until the client hangs up.
func hangAfter(replies ...reply) http.HandlerFunc {
	var (
		mu sync.Mutex
		n  int
	)
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		k := n
		n++
		mu.Unlock()
		if k < len(replies) {
			replies[k].write(w)
			return
		}
		<-r.Context().Done()
	}
}

// An attempt that the deadline margin cuts short does not replace the
// collector's last answer: the caller gets the 503 and its message, not a
// timeout the retry loop brought on itself, and the failure counts as the
// collector's (CutShort is false).
func TestSendWithRetryKeepsCollectorErrorWhenCutAtMargin(t *testing.T) {
	srv := newServer(t, hangAfter(reply{status: 503, body: []byte("collector overloaded: queue is full")}))
	c := NewClient(Options{Timeout: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, res, err := c.SendWithRetry(ctx, tracesRequest(srv.URL), RetryPolicy{Margin: time.Second, InitialInterval: 100 * time.Millisecond, Jitter: -1}, nil)
	if ctx.Err() != nil {
		t.Fatal("returned after the deadline")
	}
	var e *Error
	if !errors.Is(err, ErrRetriesExhausted) || !errors.As(err, &e) || e.Status != 503 || e.Body != "collector overloaded: queue is full" {
		t.Fatalf("error = %v, want retries exhausted wrapping the 503 and its message", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v: the timeout of the cut attempt replaced the collector's answer", err)
	}
	if !strings.Contains(err.Error(), "attempt 2 was cut short at the deadline margin") {
		t.Errorf("error %q does not say the last attempt was cut short", err)
	}
	if res.Attempts != 2 || res.CutShort {
		t.Errorf("Result = %+v, want 2 attempts, not cut short (the collector answered 503)", res)
	}
}

// The same with MaxElapsed as the cutoff and no deadline at all.
func TestSendWithRetryKeepsCollectorErrorWhenCutAtMaxElapsed(t *testing.T) {
	srv := newServer(t, hangAfter(reply{status: 429, body: []byte("slow down")}))
	c := NewClient(Options{Timeout: 30 * time.Second})
	start := time.Now()
	_, res, err := c.SendWithRetry(context.Background(), tracesRequest(srv.URL),
		RetryPolicy{MaxElapsed: 700 * time.Millisecond, InitialInterval: 50 * time.Millisecond, MinAttempt: 50 * time.Millisecond, Jitter: -1}, nil)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("took %s, want the 700ms limit kept", took)
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != 429 || e.Body != "slow down" || !strings.Contains(err.Error(), "cut short at the retry time limit of 700ms") {
		t.Fatalf("error = %v, want the 429 kept and the limit named", err)
	}
	if res.Attempts != 2 || res.CutShort {
		t.Errorf("Result = %+v, want 2 attempts, not cut short", res)
	}
}

// CutShort tells failures that hold no answer from the collector (no
// attempt, or only attempts ended by our own deadline or by ctx) from the
// collector's own: a status, a network error, its attempt timeout.
func TestSendWithRetryCutShort(t *testing.T) {
	t.Run("no time for an attempt", func(t *testing.T) {
		srv := newServer(t, hangAfter(reply{status: 200}))
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, res, err := NewClient(Options{}).SendWithRetry(ctx, tracesRequest(srv.URL), RetryPolicy{Margin: 5 * time.Second}, nil)
		if err == nil || res.Attempts != 0 || !res.CutShort {
			t.Fatalf("%+v, %v; want an error, no attempt, cut short", res, err)
		}
	})
	t.Run("only attempt cut at the margin", func(t *testing.T) {
		srv := newServer(t, hangAfter())
		ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
		defer cancel()
		_, res, err := NewClient(Options{Timeout: 30 * time.Second}).SendWithRetry(ctx, tracesRequest(srv.URL), RetryPolicy{Margin: 300 * time.Millisecond}, nil)
		if !errors.Is(err, ErrRetriesExhausted) || res.Attempts != 1 || !res.CutShort {
			t.Fatalf("%+v, %v; want 1 attempt, cut short", res, err)
		}
	})
	t.Run("only attempt cut by ctx", func(t *testing.T) {
		srv := newServer(t, hangAfter())
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		_, res, err := NewClient(Options{Timeout: 30 * time.Second}).SendWithRetry(ctx, tracesRequest(srv.URL), RetryPolicy{}, nil)
		if !errors.Is(err, ErrRetriesExhausted) || res.Attempts != 1 || !res.CutShort {
			t.Fatalf("%+v, %v; want 1 attempt, cut short", res, err)
		}
	})
	t.Run("the request's own attempt timeout", func(t *testing.T) {
		srv := newServer(t, hangAfter())
		_, res, err := NewClient(Options{Timeout: 100 * time.Millisecond}).SendWithRetry(context.Background(), tracesRequest(srv.URL),
			RetryPolicy{MaxAttempts: 2, InitialInterval: 10 * time.Millisecond, MaxInterval: 10 * time.Millisecond}, nil)
		if !errors.Is(err, context.DeadlineExceeded) || res.Attempts != 2 || res.CutShort {
			t.Fatalf("%+v, %v; want 2 timed-out attempts that count as the collector's", res, err)
		}
	})
	t.Run("permanent status", func(t *testing.T) {
		srv := newServer(t, hangAfter(reply{status: 400}))
		_, res, err := NewClient(Options{}).SendWithRetry(context.Background(), tracesRequest(srv.URL), RetryPolicy{}, nil)
		if err == nil || res.Attempts != 1 || res.CutShort {
			t.Fatalf("%+v, %v; want the 400, not cut short", res, err)
		}
	})
	t.Run("ctx ends during a wait after a 503", func(t *testing.T) {
		srv := newServer(t, hangAfter(reply{status: 503}))
		clock := newFakeClock(testNow)
		c, timer := newFakeClient(Options{}, clock)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		timer.onStart = func(time.Duration) bool { cancel(); return false }
		_, res, err := c.SendWithRetry(ctx, tracesRequest(srv.URL), noJitter, nil)
		if !errors.Is(err, context.Canceled) || res.Attempts != 1 || res.CutShort {
			t.Fatalf("%+v, %v; want the 503 kept, not cut short", res, err)
		}
	})
}
