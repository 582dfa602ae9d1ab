package peakmem

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/ingest"
	"github.com/otlpfwd/otlpfwd/shared/aws/stream"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// ProfileRate is the runtime.MemProfileRate a profiling command should
// set first thing: one sample per 4 KiB allocated.
const ProfileRate = 4 << 10

// Profile runs each subject's handler in this process on its event (decoded
// from Lambda's JSON, which stays referenced as aws-lambda-go keeps it) n
// times, as a warm Lambda would, and writes a heap profile, after a GC, at
// the moment the last invocation's output is ready to leave (ingest's
// first PutRecords, export's first send): what is live then is what the
// batch holds at its peak, and what earlier invocations left behind. It
// returns the paths and the top of `go tool pprof -top
// -sample_index=inuse_space` for each.
func Profile(ctx context.Context, subjects []Subject, dir string, n int) (map[string]string, error) {
	n = max(n, 1)
	out := map[string]string{}
	for _, s := range subjects {
		path := filepath.Join(dir, "heap-"+strings.ReplaceAll(s.Name, " ", "-")+".pb.gz")
		snap := &snapshot{path: path}
		tb, err := route.NewTable([]route.Collector{{Name: "main", Endpoint: "http://127.0.0.1:9", Mode: s.mode}})
		if err != nil {
			return out, err
		}
		var process func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error)
		if s.Name == "ingest" {
			h, err := ingest.New(staticRoutes{tb}, snapWriter{snap}, refuseDLQ{}, ingest.Options{Region: "us-east-1"})
			if err != nil {
				return out, err
			}
			process = h.Handle
		} else {
			h, err := export.New(staticRoutes{tb}, snapSender{snap}, refuseDLQ{}, export.Options{})
			if err != nil {
				return out, err
			}
			process = h.Handle
		}
		for i := range n {
			snap.armed.Store(i == n-1)
			var ev events.KinesisEvent
			if err := json.Unmarshal(s.Event, &ev); err != nil {
				return out, err
			}
			pctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			resp, err := process(pctx, ev)
			cancel()
			if err != nil || len(resp.BatchItemFailures) > 0 {
				return out, fmt.Errorf("%s: profile run failed: %v, %d records failed", s.Name, err, len(resp.BatchItemFailures))
			}
		}
		runtime.KeepAlive(s.Event)
		if snap.err != nil {
			return out, snap.err
		}
		// Only what the handler and the event's decoding hold: the
		// harness's own inputs are left out.
		top, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-sample_index=inuse_space", "-nodecount=20",
			`-focus=otlpfwd/(ingest|export)\.|encoding/json\.Unmarshal`, path).CombinedOutput()
		if err != nil {
			return out, fmt.Errorf("go tool pprof %s: %w\n%s", path, err, top)
		}
		out[s.Name] = fmt.Sprintf("%s: heap live at the first output of invocation %d (%s); the event's JSON, %.1f MiB, is held too (by aws-lambda-go in Lambda)\n%s",
			s.Name, n, path, float64(len(s.Event))/(1<<20), bytes.TrimSpace(top))
	}
	return out, nil
}

// snapshot writes one heap profile, the first time it is taken while
// armed.
type snapshot struct {
	armed atomic.Bool
	once  sync.Once
	path  string
	err   error
}

func (s *snapshot) take() {
	if !s.armed.Load() {
		return
	}
	s.once.Do(func() {
		runtime.GC()
		f, err := os.Create(s.path)
		if err != nil {
			s.err = err
			return
		}
		s.err = pprof.Lookup("heap").WriteTo(f, 0)
		if cerr := f.Close(); s.err == nil {
			s.err = cerr
		}
	})
}

type staticRoutes struct{ t *route.Table }

func (r staticRoutes) Table(context.Context) (*route.Table, error) { return r.t, nil }

type snapWriter struct{ s *snapshot }

func (w snapWriter) Put(_ context.Context, e []stream.Entry) stream.Result {
	w.s.take()
	return stream.Result{Errs: make([]error, len(e)), Calls: 1}
}

type snapSender struct{ s *snapshot }

func (w snapSender) SendWithRetry(context.Context, otlphttp.Request, otlphttp.RetryPolicy, func(otlphttp.Attempt)) (otlphttp.Response, otlphttp.Result, error) {
	w.s.take()
	return otlphttp.Response{Status: 200}, otlphttp.Result{Attempts: 1}, nil
}

type refuseDLQ struct{}

func (refuseDLQ) Send(_ context.Context, bodies []string) []error {
	errs := make([]error, len(bodies))
	for i := range errs {
		errs[i] = fmt.Errorf("the profile run dead-lettered a message")
	}
	return errs
}
