package lambdart

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

const prefix = "/2018-06-01/runtime/"

// DefaultTimeout is the function timeout each invocation's deadline is
// set from when Options.Timeout is zero.
const DefaultTimeout = 15 * time.Minute

// Options configures a Server. The zero value serves no events.
type Options struct {
	// Events are handed out in order, one per GET /invocation/next; once
	// they are all out, further polls wait until the Server closes.
	Events [][]byte
	// Timeout sets each invocation's deadline header. Default 15 min.
	Timeout time.Duration
	// FunctionARN is sent as the invoked function's ARN. Default a
	// made-up ARN in us-east-1.
	FunctionARN string
	// Hold makes the poll for event HoldAt wait until Release, so that
	// the caller can read the idle process in between (Held signals it).
	Hold   bool
	HoldAt int
}

// Result is a bootstrap's answer to one invocation.
type Result struct {
	// Sent is when the event went out, Done when the answer came in.
	Sent, Done time.Time
	// Body is the response or, when Err is set, the error document.
	Body []byte
	Err  bool
}

// Server is a running fake Runtime API.
type Server struct {
	opts    Options
	srv     *http.Server
	addr    string
	polls   chan time.Time
	results chan Result
	initErr chan []byte
	closed  chan struct{}
	held    chan struct{}
	release chan struct{}

	mu    sync.Mutex
	next  int                  // the next event to hand out
	sent  map[string]time.Time // invocation id -> when its event went out
	close sync.Once
}

// Start listens on a free port of 127.0.0.1 and serves.
func Start(opts Options) (*Server, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.FunctionARN == "" {
		opts.FunctionARN = "arn:aws:lambda:us-east-1:123456789012:function:otlpfwd-loadtest"
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API: listen: %w", err)
	}
	s := &Server{
		opts:    opts,
		addr:    l.Addr().String(),
		polls:   make(chan time.Time, len(opts.Events)+16),
		results: make(chan Result, len(opts.Events)+1),
		initErr: make(chan []byte, 1),
		closed:  make(chan struct{}),
		held:    make(chan struct{}),
		release: make(chan struct{}),
		sent:    map[string]time.Time{},
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(l)
	return s, nil
}

// Addr is host:port, the value of AWS_LAMBDA_RUNTIME_API.
func (s *Server) Addr() string { return s.addr }

// Polls receives the time of every GET /invocation/next as it arrives.
// It buffers as many as there are events, plus a few.
func (s *Server) Polls() <-chan time.Time { return s.polls }

// Results receives each invocation's answer.
func (s *Server) Results() <-chan Result { return s.results }

// InitErrors receives the body of a POST /init/error.
func (s *Server) InitErrors() <-chan []byte { return s.initErr }

// Held is closed when the poll for event Options.HoldAt has arrived and
// waits for Release.
func (s *Server) Held() <-chan struct{} { return s.held }

// Release lets the held poll have its event. Call it once.
func (s *Server) Release() { close(s.release) }

// Close stops the server and releases waiting polls.
func (s *Server) Close() error {
	s.close.Do(func() { close(s.closed) })
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return s.srv.Close()
	}
	return err
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	path, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch {
	case r.Method == http.MethodGet && path == "invocation/next":
		s.serveNext(w, r, now)
	case r.Method == http.MethodPost && path == "init/error":
		body, _ := io.ReadAll(r.Body)
		select {
		case s.initErr <- body:
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
		s.serveAnswer(w, r, strings.TrimPrefix(path, "invocation/"))
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) serveNext(w http.ResponseWriter, r *http.Request, now time.Time) {
	select {
	case s.polls <- now:
	default:
	}
	s.mu.Lock()
	i := s.next
	if i < len(s.opts.Events) {
		s.next++
	}
	s.mu.Unlock()
	if s.opts.Hold && i == s.opts.HoldAt {
		close(s.held)
		select {
		case <-s.release:
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		}
	}
	if i >= len(s.opts.Events) {
		// Nothing more to run: hold the poll, as Lambda does between
		// invocations, until the bootstrap or the server goes away.
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
		return
	}
	id := "00000000-0000-4000-8000-" + fmt.Sprintf("%012d", i)
	sent := time.Now()
	s.mu.Lock()
	s.sent[id] = sent
	s.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(sent.Add(s.opts.Timeout).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", s.opts.FunctionARN)
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0")
	w.WriteHeader(http.StatusOK)
	w.Write(s.opts.Events[i])
}

// serveAnswer takes POST /invocation/{id}/response and /error.
func (s *Server) serveAnswer(w http.ResponseWriter, r *http.Request, rest string) {
	id, kind, ok := strings.Cut(rest, "/")
	s.mu.Lock()
	sent, known := s.sent[id]
	s.mu.Unlock()
	if !ok || !known || (kind != "response" && kind != "error") {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.results <- Result{Sent: sent, Done: time.Now(), Body: body, Err: kind == "error"}
	w.WriteHeader(http.StatusAccepted)
}
