package compare

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/loadtest/bootstrap"
	"github.com/otlpfwd/otlpfwd/loadtest/lambdart"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// runBootstrap measures the export bootstrap o.ExportBinary as a process,
// as Lambda runs it: a fake Runtime API hands it the batches' JSON, it
// sends to a sink process. Its CPU time runs from the idle moment after
// the warm-up batches to its last answer, when the sink has every span.
func runBootstrap(ctx context.Context, o *Options, mode route.Mode, warm, batches []Batch) (Measurement, error) {
	m := Measurement{Name: fmt.Sprintf("export %s, bootstrap process", mode),
		Setup: "the export bootstrap (built as for Lambda) under a fake Runtime API, its own process; otlphttp to a sink process"}
	snk, err := o.StartSink(ctx)
	if err != nil {
		return m, err
	}
	defer snk.Stop()
	home := filepath.Join(o.Dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return m, err
	}
	var evs [][]byte
	var spans, warmSpans int64
	for _, b := range warm {
		evs = append(evs, b.JSON)
		warmSpans += int64(b.Spans)
	}
	for _, b := range batches {
		evs = append(evs, b.JSON)
		spans += int64(b.Spans)
	}
	run, err := lambdart.Exec(ctx, lambdart.Invoke{
		Binary:  o.ExportBinary,
		Env:     bootstrap.Env(bootstrap.Export, home, bootstrap.Endpoints{Collector: snk.URL, Mode: string(mode)}),
		Events:  evs,
		Hold:    true,
		Warm:    len(warm),
		Timeout: 10 * time.Minute,
	})
	if err != nil {
		return m, err
	}
	for i, r := range run.Results {
		var resp events.KinesisEventResponse
		if err := json.Unmarshal(r.Body, &resp); r.Err || err != nil || len(resp.BatchItemFailures) > 0 {
			return m, fmt.Errorf("%s: batch %d failed: %s", m.Name, i, r.Body)
		}
	}
	st, err := snk.WaitItems(ctx, warmSpans+spans)
	if err != nil {
		return m, err
	}
	last := run.Results[len(run.Results)-1]
	m.Spans = int(spans)
	used := run.CPU.Sub(run.Warm.CPU)
	m.CPU, m.SysCPU = used.Total(), used.System
	m.Wall = last.Done.Sub(run.Warm.At)
	m.PeakRSS = run.Mem.HWM
	m.Requests = st.Requests
	m.WireBytes = st.WireBytes
	return m, nil
}
