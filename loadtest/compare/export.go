package compare

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/loadtest/procstat"
	"github.com/otlpfwd/otlpfwd/loadtest/sink"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// Senders of the in-process runs.
const (
	// SendHTTP sends with otlphttp.Client, as the Lambda does, to a sink
	// process: the HTTP client's work counts, the receiver's does not.
	SendHTTP = "http"
	// SendNull accepts every request at once: only the handler's own work
	// counts.
	SendNull = "null"
)

type staticRoutes struct{ t *route.Table }

func (r staticRoutes) Table(context.Context) (*route.Table, error) { return r.t, nil }

type nullSender struct{}

func (nullSender) SendWithRetry(context.Context, otlphttp.Request, otlphttp.RetryPolicy, func(otlphttp.Attempt)) (otlphttp.Response, otlphttp.Result, error) {
	return otlphttp.Response{Status: 200}, otlphttp.Result{Attempts: 1}, nil
}

// noDLQ fails the run if anything is dead-lettered.
type noDLQ struct{}

func (noDLQ) Send(_ context.Context, bodies []string) []error {
	errs := make([]error, len(bodies))
	for i := range errs {
		errs[i] = fmt.Errorf("the comparison dead-lettered a message")
	}
	return errs
}

// runExport measures export.Handler.Process in this process on the
// batches, after one pass over warm; the CPU time of decoding each event
// from Lambda's JSON is measured apart.
func runExport(ctx context.Context, o *Options, mode route.Mode, sender string, warm, batches []Batch) (Measurement, error) {
	m := Measurement{Name: fmt.Sprintf("export %s, %s sender", mode, sender)}
	var send export.Sender = nullSender{}
	url := "http://127.0.0.1:9"
	m.Setup = "export.Handler.Process in the harness process; null sender (no network, no HTTP client)"
	var snk *sink.Process
	if sender == SendHTTP {
		p, err := o.StartSink(ctx)
		if err != nil {
			return m, err
		}
		defer p.Stop()
		client := otlphttp.NewClient(otlphttp.Options{})
		defer client.CloseIdleConnections()
		send, url, snk = client, p.URL, p
		m.Setup = "export.Handler.Process in the harness process; otlphttp.Client to a sink process on loopback"
	}
	tb, err := route.NewTable([]route.Collector{{Name: "main", Endpoint: url, Mode: mode}})
	if err != nil {
		return m, err
	}
	h, err := export.New(staticRoutes{tb}, send, noDLQ{}, export.Options{})
	if err != nil {
		return m, err
	}
	process := func(b Batch) (time.Duration, error) {
		// Lambda decodes the event from JSON before the handler runs.
		t0, _ := procstat.SelfCPU()
		var ev events.KinesisEvent
		if err := json.Unmarshal(b.JSON, &ev); err != nil {
			return 0, err
		}
		t1, _ := procstat.SelfCPU()
		pctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		resp, st, err := h.Process(pctx, ev)
		if err != nil {
			return 0, err
		}
		if len(resp.BatchItemFailures) > 0 || st.Delivered != b.Spans {
			return 0, fmt.Errorf("%s: delivered %d of %d spans, %d records failed", m.Name, st.Delivered, b.Spans, len(resp.BatchItemFailures))
		}
		m.Requests += int64(st.Requests)
		m.WireBytes += int64(st.BytesOut)
		return t1 - t0, nil
	}
	for _, b := range warm {
		if _, err := process(b); err != nil {
			return m, fmt.Errorf("warm-up: %w", err)
		}
	}
	m.Requests, m.WireBytes = 0, 0
	var warmSpans int64
	for _, b := range warm {
		warmSpans += int64(b.Spans)
	}
	// Leave the garbage of building the payloads and of the warm-up out.
	runtime.GC()
	start := time.Now()
	cpu0, err := procstat.SelfCPUTimes()
	if err != nil {
		return m, err
	}
	var spans int64
	for _, b := range batches {
		dec, err := process(b)
		if err != nil {
			return m, err
		}
		m.DecodeCPU += dec
		spans += int64(b.Spans)
	}
	if snk != nil {
		if _, err := snk.WaitItems(ctx, warmSpans+spans); err != nil {
			return m, err
		}
	}
	cpu1, err := procstat.SelfCPUTimes()
	if err != nil {
		return m, err
	}
	m.Wall = time.Since(start)
	used := cpu1.Sub(cpu0)
	m.CPU, m.SysCPU = used.Total(), used.System
	m.Spans = int(spans)
	return m, nil
}
