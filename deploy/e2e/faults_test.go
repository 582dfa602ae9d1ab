package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/deploy/faults"
	"github.com/otlpfwd/otlpfwd/deploy/local"
	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/loadtest"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
)

// faultRig is a pipeline with fault-injecting proxies in front of its
// collector and (for the functions) in front of moto.
type faultRig struct {
	p         *local.Pipeline
	collector *faults.Proxy
	aws       *faults.Proxy
}

func proxyFront(t *testing.T, dst **faults.Proxy) func(context.Context, string) (string, error) {
	return func(ctx context.Context, url string) (string, error) {
		px, err := faults.Start(ctx, url, faults.Options{})
		if err != nil {
			return "", err
		}
		t.Cleanup(func() { _ = px.Close() })
		*dst = px
		return px.URL(), nil
	}
}

// rig starts a pipeline whose export function gives up retrying after
// about 2 s (timeout 4 s, margin 2 s) so that faults show within seconds.
func rig(t *testing.T, load loadtest.Config, cfg local.Config) *faultRig {
	r := &faultRig{}
	cfg.LogGroups = logGroups(load)
	cfg.CollectorFront = proxyFront(t, &r.collector)
	cfg.AWSFront = proxyFront(t, &r.aws)
	if cfg.ExportTimeout == 0 {
		cfg.ExportTimeout = 4 * time.Second
	}
	if cfg.ExportMargin == 0 {
		cfg.ExportMargin = 2 * time.Second
	}
	if cfg.IngestTimeout == 0 {
		cfg.IngestTimeout = 5 * time.Second
	}
	if cfg.ExtraEnv == nil {
		cfg.ExtraEnv = map[string]string{export.EnvBreakerCooldown: "2s"}
	}
	r.p = start(t, cfg)
	return r
}

// faultLoad is the load of one fault run: 3 s of spans.
func faultLoad(id string) loadtest.Config {
	return loadtest.Config{RunID: id, Rate: 300, Duration: 3 * time.Second}
}

var (
	tableMu sync.Mutex
	table   []string
)

// account settles the run, checks that nothing is missing and that every
// item is delivered or dead-lettered, and records the row of the fault
// table that TestMain prints.
func account(t *testing.T, fault string, r *faultRig, ledger *loadtest.Ledger, obs *local.Observer) local.Summary {
	t.Helper()
	s := settle(t, r.p, ledger, obs)
	obs.Close()
	row := fmt.Sprintf("| %s | %d | %d | %d | %d | %d |", fault, s.Written, s.Delivered, s.DeadLettered, s.Duplicates, s.Missing+s.Pending)
	tableMu.Lock()
	table = append(table, row)
	tableMu.Unlock()
	if s.Missing != 0 || s.Pending != 0 || s.Delivered+s.DeadLettered != s.Written || s.Written == 0 {
		t.Fatalf("%s: written %d = delivered %d + dead-lettered %d, missing %d, pending %d", fault, s.Written, s.Delivered, s.DeadLettered, s.Missing, s.Pending)
	}
	return s
}

func TestMain(m *testing.M) {
	code := m.Run()
	if len(table) > 0 {
		fmt.Println("| fault | items sent | delivered | dead-lettered | duplicated | missing |")
		fmt.Println("|---|---|---|---|---|---|")
		for _, row := range table {
			fmt.Println(row)
		}
	}
	os.Exit(code)
}

func set(t *testing.T, px *faults.Proxy, rules ...faults.Rule) {
	t.Helper()
	if err := px.Set(rules...); err != nil {
		t.Fatal(err)
	}
}

func TestFaultCollector503ForAWhile(t *testing.T) {
	r := rig(t, faultLoad("f503"), local.Config{})
	set(t, r.collector, faults.Rule{PathPrefix: "/v1/", For: 1500 * time.Millisecond, Action: faults.Respond{Status: 503, Body: "exporter queue full"}})
	ledger, obs := generate(t, r.p, faultLoad("f503"), nil)
	s := account(t, "collector 503 for 1.5 s", r, ledger, obs)
	if r.collector.Stats().Injected == 0 {
		t.Fatal("no 503 was injected")
	}
	// 503 is retryable: what the retries did not outlast is
	// retries_exhausted, never permanent, and the rest got through.
	if s.Delivered == 0 || s.DLQ.ByReason[string(dlq.Permanent)] != 0 {
		t.Fatalf("delivered %d, DLQ %+v: want deliveries after the 503s and no permanent dead letters", s.Delivered, s.DLQ)
	}
}

func TestFaultCollector429RetryAfter(t *testing.T) {
	// A retry window of 8 s (timeout 10 s, margin 2 s) has room for the waits.
	r := rig(t, faultLoad("f429"), local.Config{ExportTimeout: 10 * time.Second})
	set(t, r.collector, faults.Rule{PathPrefix: "/v1/", Times: 3, Action: faults.Respond{Status: 429, RetryAfter: "1"}})
	ledger, obs := generate(t, r.p, faultLoad("f429"), nil)
	s := account(t, "collector 429, Retry-After 1 s (3 times)", r, ledger, obs)
	if s.DeadLettered != 0 {
		t.Fatalf("%d items dead-lettered: a 1 s Retry-After fits the retry window", s.DeadLettered)
	}
}

func TestFaultCollectorSlowPastDeadline(t *testing.T) {
	r := rig(t, faultLoad("fslow"), local.Config{})
	set(t, r.collector, faults.Rule{PathPrefix: "/v1/", Times: 3, Action: faults.Delay{Duration: 6 * time.Second}})
	ledger, obs := generate(t, r.p, faultLoad("fslow"), nil)
	s := account(t, "collector answers after 6 s, past the deadline (3 times)", r, ledger, obs)
	if s.DLQ.ByReason[string(dlq.RetriesExhausted)] == 0 {
		t.Fatalf("DLQ %+v: want the slow requests dead-lettered as retries_exhausted", s.DLQ)
	}
}

func TestFaultCollectorResetMidBody(t *testing.T) {
	r := rig(t, faultLoad("freset"), local.Config{ExportTimeout: 10 * time.Second})
	set(t, r.collector, faults.Rule{PathPrefix: "/v1/", Times: 3, Action: faults.Reset{RequestBytes: 64}})
	ledger, obs := generate(t, r.p, faultLoad("freset"), nil)
	s := account(t, "connection reset mid-body (3 times)", r, ledger, obs)
	if s.DeadLettered != 0 {
		t.Fatalf("%d dead-lettered: resets are retryable", s.DeadLettered)
	}
}

func TestFaultCollectorPermanent400(t *testing.T) {
	r := rig(t, faultLoad("f400"), local.Config{})
	set(t, r.collector, faults.Rule{PathPrefix: "/v1/", Times: 2, Action: faults.Respond{Status: 400, Body: "invalid request"}})
	ledger, obs := generate(t, r.p, faultLoad("f400"), nil)
	s := account(t, "collector 400 (2 requests)", r, ledger, obs)
	if s.DLQ.ByReason[string(dlq.Permanent)] == 0 || s.DeadLettered == 0 {
		t.Fatalf("DLQ %+v: want the refused requests dead-lettered as permanent", s.DLQ)
	}
}

func TestFaultCollectorDownWholeRun(t *testing.T) {
	r := rig(t, faultLoad("fdown"), local.Config{})
	if err := r.collector.Down(); err != nil {
		t.Fatal(err)
	}
	ledger, obs := generate(t, r.p, faultLoad("fdown"), nil)
	s := account(t, "collector down for the whole run", r, ledger, obs)
	if s.Delivered != 0 || s.DeadLettered != s.Written {
		t.Fatalf("delivered %d dead %d: want everything dead-lettered", s.Delivered, s.DeadLettered)
	}
}

func TestFaultKinesisPartialFailures(t *testing.T) {
	r := rig(t, faultLoad("fputs"), local.Config{})
	// Ingest writes one or two tier-2 records a call: throttle every entry
	// of the first 8 calls.
	set(t, r.aws, faults.Rule{Operation: "PutRecords", Times: 8, Action: faults.KinesisPartialFailure{Every: 1}})
	ledger, obs := generate(t, r.p, faultLoad("fputs"), nil)
	s := account(t, "PutRecords throttles every entry of 8 calls", r, ledger, obs)
	if r.aws.Stats().DroppedRecords == 0 || s.DeadLettered != 0 {
		t.Fatalf("dropped %d, dead %d: want throttled entries retried and delivered", r.aws.Stats().DroppedRecords, s.DeadLettered)
	}
}

func TestFaultExportStreamUnavailable(t *testing.T) {
	r := rig(t, faultLoad("fstream"), local.Config{})
	set(t, r.aws, faults.Rule{Operation: "PutRecords", For: 6 * time.Second,
		Action: faults.AWSError(503, "ServiceUnavailableException", "the export stream is unavailable")})
	ledger, obs := generate(t, r.p, faultLoad("fstream"), nil)
	s := account(t, "export stream unavailable for 6 s", r, ledger, obs)
	if r.aws.Stats().Injected == 0 {
		t.Fatal("no PutRecords call failed")
	}
	if s.DeadLettered != 0 {
		t.Fatalf("%d dead-lettered: the records must wait in the raw stream", s.DeadLettered)
	}
}

func TestFaultDLQUnavailableWhileCollectorDown(t *testing.T) {
	r := rig(t, faultLoad("fdlq"), local.Config{})
	if err := r.collector.Down(); err != nil {
		t.Fatal(err)
	}
	set(t, r.aws, faults.Rule{Operation: "SendMessageBatch", For: 8 * time.Second,
		Action: faults.AWSError(503, "ServiceUnavailable", "the queue is unavailable")})
	ledger, obs := generate(t, r.p, faultLoad("fdlq"), nil)
	s := account(t, "DLQ unavailable 8 s while the collector is down", r, ledger, obs)
	if r.aws.Stats().Injected == 0 || s.DeadLettered != s.Written {
		t.Fatalf("injected %d, dead %d of %d: the batch must wait in Kinesis, then reach the DLQ", r.aws.Stats().Injected, s.DeadLettered, s.Written)
	}
}

// The export function hangs mid-batch (its process is frozen while it
// waits on the collector) and RIE times it out: "Task timed out".
func TestFaultLambdaTimesOut(t *testing.T) {
	r := rig(t, faultLoad("ftimeout"), local.Config{})
	set(t, r.collector, faults.Rule{PathPrefix: "/v1/", Times: 2, Action: faults.Delay{Duration: time.Second}})
	frozen := 0
	ledger, obs := generate(t, r.p, faultLoad("ftimeout"), func(time.Duration) {
		if frozen == 0 && r.collector.Stats().Injected > 0 {
			frozen = signalBootstraps(t, filepath.Join(r.p.Dir(), "bin", "export", "bootstrap"), syscall.SIGSTOP)
		}
	})
	account(t, "export function hangs mid-batch; RIE times it out", r, ledger, obs)
	if frozen == 0 {
		t.Fatal("no export process was frozen")
	}
	if n := logCount(t, r.p, "export", "Task timed out"); n == 0 {
		t.Fatal("no invocation timed out under RIE")
	}
}

// The export function's process is killed while it waits on the collector.
func TestFaultLambdaCrashes(t *testing.T) {
	r := rig(t, faultLoad("fcrash"), local.Config{})
	set(t, r.collector, faults.Rule{PathPrefix: "/v1/", Times: 2, Action: faults.Delay{Duration: 2 * time.Second}})
	killed := 0
	ledger, obs := generate(t, r.p, faultLoad("fcrash"), func(time.Duration) {
		if killed == 0 && r.collector.Stats().Injected > 0 {
			killed = signalBootstraps(t, filepath.Join(r.p.Dir(), "bin", "export", "bootstrap"), syscall.SIGKILL)
		}
	})
	account(t, "export function killed mid-batch", r, ledger, obs)
	if killed == 0 {
		t.Fatal("no export process was killed")
	}
}

// The poller is restarted in the middle of the run and resumes from its
// checkpoint files.
func TestFaultPollerRestart(t *testing.T) {
	r := rig(t, faultLoad("frestart"), local.Config{})
	restarted := false
	ledger, obs := generate(t, r.p, faultLoad("frestart"), func(el time.Duration) {
		if !restarted && el > 1500*time.Millisecond {
			restarted = true
			if err := r.p.RestartMappings(); err != nil {
				t.Error(err)
			}
		}
	})
	account(t, "event-source poller restarted from its checkpoints", r, ledger, obs)
}

// signalBootstraps sends sig to every process running the given executable.
func signalBootstraps(t *testing.T, exe string, sig syscall.Signal) int {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if path, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && path == exe {
			if syscall.Kill(pid, sig) == nil {
				n++
			}
		}
	}
	return n
}

// logCount counts occurrences of s in a function's RIE logs and in the
// log of its event source mapping.
func logCount(t *testing.T, p *local.Pipeline, function, s string) int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(p.Dir(), "functions", function+"-*", "*.log"))
	files = append(files, filepath.Join(p.Dir(), "functions", "esm-"+function+".log"))
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil {
			n += strings.Count(string(b), s)
		}
	}
	return n
}
