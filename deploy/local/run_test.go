package local

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/loadtest"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// TestRunInProcess runs the whole pipeline with the handlers in process:
// every item written is delivered to the real collector.
func TestRunInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto and the collector (skipped with -short)")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := Run(ctx, RunOptions{Config: Config{Dir: dir, InProcess: true},
		Load: loadtest.Config{Duration: 3 * time.Second, Rate: 300, Signals: []otlp.Signal{otlp.Traces, otlp.Metrics, otlp.Logs}},
		Out:  testOutput(t), DrainTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if s.Written == 0 || s.Delivered != s.Written || s.Missing != 0 || s.DeadLettered != 0 {
		b, _ := os.ReadFile(dir + "/functions/esm-ingest.log")
		t.Fatalf("summary %+v\nesm log:\n%s", s, b)
	}
	// Again in the same work directory (otlpfwd local --dir D twice): a
	// new moto has the same stream ARNs and sequence numbers starting
	// over, so the first run's checkpoints must not be resumed.
	s, err = Run(ctx, RunOptions{Config: Config{Dir: dir, InProcess: true},
		Load: loadtest.Config{Duration: 2 * time.Second, Rate: 300, Signals: []otlp.Signal{otlp.Traces}},
		Out:  testOutput(t), DrainTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if s.Written == 0 || s.Delivered != s.Written || s.Missing != 0 {
		t.Fatalf("second run in the same directory: summary %+v", s)
	}
}
