package esm

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type handlerError struct{ msg string }

func (e *handlerError) Error() string { return e.msg }

func TestInProcess(t *testing.T) {
	ev := events.KinesisEvent{Records: []events.KinesisEventRecord{{Kinesis: events.KinesisRecord{SequenceNumber: "1"}}}}
	cases := []struct {
		name     string
		timeout  time.Duration
		handler  HandlerFunc
		wantType string // "" for success
		wantMsg  string
	}{{
		name: "success passes the response",
		handler: func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
			lc, ok := lambdacontext.FromContext(ctx)
			if !ok || lc.AwsRequestID == "" || lc.InvokedFunctionArn != "arn:fn" {
				return events.KinesisEventResponse{}, errors.New("no lambda context")
			}
			return failures(ev.Records[0].Kinesis.SequenceNumber), nil
		},
	}, {
		name: "an error is a function error named by its type",
		handler: func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error) {
			return events.KinesisEventResponse{}, &handlerError{"broken"}
		},
		wantType: "handlerError",
		wantMsg:  "broken",
	}, {
		name: "a panic is a function error",
		handler: func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error) {
			panic("nil map")
		},
		wantType: "Runtime.GoPanic",
		wantMsg:  "nil map",
	}, {
		name:    "returning after the deadline is a timeout",
		timeout: 20 * time.Millisecond,
		handler: func(ctx context.Context, _ events.KinesisEvent) (events.KinesisEventResponse, error) {
			<-ctx.Done()
			return events.KinesisEventResponse{}, nil
		},
		wantType: "Sandbox.Timedout",
		wantMsg:  "Task timed out after 0.02 seconds",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewInProcess(tc.handler, InProcessOptions{Timeout: tc.timeout, FunctionARN: "arn:fn"})
			resp, err := p.Invoke(t.Context(), ev)
			if tc.wantType == "" {
				if err != nil || len(resp.BatchItemFailures) != 1 {
					t.Fatalf("Invoke = %+v, %v", resp, err)
				}
				return
			}
			var fe *FunctionError
			if !errors.As(err, &fe) || fe.Type != tc.wantType || fe.Message != tc.wantMsg {
				t.Fatalf("Invoke error %#v, want a function error %s: %s", err, tc.wantType, tc.wantMsg)
			}
		})
	}
}

// exclusive is an invoker that fails the test when used by two callers at
// once.
type exclusive struct {
	busy atomic.Bool
	used atomic.Int32
	t    *testing.T
}

func (e *exclusive) Invoke(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error) {
	if !e.busy.CompareAndSwap(false, true) {
		e.t.Error("invoker used by two callers at once")
	}
	e.used.Add(1)
	time.Sleep(time.Millisecond)
	e.busy.Store(false)
	return events.KinesisEventResponse{}, nil
}

func TestPool(t *testing.T) {
	a, b := &exclusive{t: t}, &exclusive{t: t}
	p, err := NewPool(a, b)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				if _, err := p.Invoke(t.Context(), events.KinesisEvent{}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if a.used.Load()+b.used.Load() != 80 {
		t.Errorf("invocations %d + %d, want 80", a.used.Load(), b.used.Load())
	}
	if _, err := NewPool(); err == nil {
		t.Error("NewPool() without invokers succeeded")
	}
}

func TestPoolWaitEndsWithContext(t *testing.T) {
	block := make(chan struct{})
	inv := &recorder{fn: func(int, invocation) (events.KinesisEventResponse, error) {
		<-block
		return events.KinesisEventResponse{}, nil
	}}
	p, _ := NewPool(inv)
	go p.Invoke(t.Context(), events.KinesisEvent{})
	defer close(block)
	for deadline := time.Now().Add(10 * time.Second); len(inv.invocations()) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first invocation did not start in 10 s")
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if _, err := p.Invoke(ctx, events.KinesisEvent{}); !isNotInvoked(err) {
		t.Errorf("Invoke on a busy pool = %v, want NotInvokedError", err)
	}
}

func TestRIEInvokerAnswers(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		body     string
		want     events.KinesisEventResponse
		wantType string // FunctionError type
		notInv   bool
	}{
		{name: "batch item failures", status: 200, body: `{"batchItemFailures":[{"itemIdentifier":"42"}]}`, want: failures("42")},
		{name: "null", status: 200, body: `null`},
		{name: "empty object", status: 200, body: `{}`},
		{name: "a string result", status: 200, body: `"ok"`},
		{name: "wrong key name", status: 200, body: `{"batchItemFailures":[{"itemId":"42"}]}`, want: failures("")},
		{name: "wrong shape", status: 200, body: `{"batchItemFailures":"42"}`, want: failures("")},
		{name: "handler error", status: 200, body: `{"errorMessage":"boom","errorType":"errorString"}`, wantType: "errorString"},
		{name: "timeout", status: 200, body: "Task timed out after 1.00 seconds", wantType: "Sandbox.Timedout"},
		{name: "not JSON", status: 200, body: "garbage", wantType: "Runtime.InvalidResponse"},
		{name: "emulator refusal", status: 500, body: "internal", notInv: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var ev events.KinesisEvent
				if err := jsonDecode(r.Body, &ev); err != nil || len(ev.Records) != 1 {
					t.Errorf("emulator got %v, %v", ev, err)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			inv := NewRIEInvoker(srv.URL, nil)
			resp, err := inv.Invoke(t.Context(), events.KinesisEvent{Records: []events.KinesisEventRecord{{EventID: "x"}}})
			switch {
			case tc.notInv:
				if !isNotInvoked(err) {
					t.Errorf("error %v, want NotInvokedError", err)
				}
			case tc.wantType != "":
				var fe *FunctionError
				if !errors.As(err, &fe) || fe.Type != tc.wantType {
					t.Errorf("error %#v, want FunctionError %s", err, tc.wantType)
				}
			default:
				if err != nil || mustJSON(t, resp) != mustJSON(t, tc.want) {
					t.Errorf("Invoke = %s, %v; want %s", mustJSON(t, resp), err, mustJSON(t, tc.want))
				}
			}
		})
	}
}

func TestRIEInvokerRunsOneAtATime(t *testing.T) {
	var inFlight atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if inFlight.Add(1) > 1 {
			t.Error("two invocations overlap")
		}
		time.Sleep(time.Millisecond)
		inFlight.Add(-1)
		io.WriteString(w, "{}")
	}))
	defer srv.Close()
	inv := NewRIEInvoker(srv.URL, nil)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := inv.Invoke(t.Context(), events.KinesisEvent{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	srv.Close()
	if _, err := inv.Invoke(t.Context(), events.KinesisEvent{}); !isNotInvoked(err) || !strings.Contains(err.Error(), srv.URL) {
		t.Errorf("Invoke on a stopped emulator = %v, want a NotInvokedError naming it", err)
	}
}
