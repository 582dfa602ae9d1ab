package e2e

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/otlpfwd/otlpfwd/deploy/local"
	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/loadtest"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// start brings up the pipeline under RIE for one test.
func start(t *testing.T, cfg local.Config) *local.Pipeline {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: moto, the collector and RIE (skipped with -short)")
	}
	cfg.Dir = t.TempDir()
	if testing.Verbose() {
		cfg.Progress = os.Stderr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	p, err := local.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		if t.Failed() {
			t.Logf("work dir kept: %s", cfg.Dir)
		}
	})
	return p
}

// generate writes load and returns the ledger and the observer following
// the collector.
func generate(t *testing.T, p *local.Pipeline, cfg loadtest.Config, during func(elapsed time.Duration)) (*loadtest.Ledger, *local.Observer) {
	t.Helper()
	ledger := loadtest.NewLedger()
	obs := p.Observe(ledger)
	gen := loadtest.NewGenerator(cfg, ledger)
	done := make(chan error, 1)
	go func() { done <- gen.Run(context.Background(), p.AWS) }()
	startAt := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return ledger, obs
		case <-tick.C:
			if during != nil {
				during(time.Since(startAt))
			}
		}
	}
}

func settle(t *testing.T, p *local.Pipeline, ledger *loadtest.Ledger, obs *local.Observer) local.Summary {
	t.Helper()
	s, err := p.Settle(context.Background(), ledger, obs, 3*time.Minute, time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("written %d delivered %d dead-lettered %d pending %d missing %d duplicates %d; DLQ %+v",
		s.Written, s.Delivered, s.DeadLettered, s.Pending, s.Missing, s.Duplicates, s.DLQ)
	return s
}

// logGroups are the generator's log groups for a config.
func logGroups(cfg loadtest.Config) []string {
	return loadtest.NewGenerator(cfg, loadtest.NewLedger()).LogGroups()
}

// TestCleanRun: every span, data point and log record logged reaches the
// real collector through the real bootstraps; nothing is missing or
// dead-lettered; duplicates are counted and reported.
func TestCleanRun(t *testing.T) {
	load := loadtest.Config{RunID: "clean", Rate: 600, Duration: 4 * time.Second, Signals: []otlp.Signal{otlp.Traces, otlp.Metrics, otlp.Logs}}
	p := start(t, local.Config{LogGroups: logGroups(load)})
	ledger, obs := generate(t, p, load, nil)
	s := settle(t, p, ledger, obs)
	if s.Written < 2000 || s.Delivered != s.Written || s.Missing != 0 || s.DeadLettered != 0 || s.Pending != 0 {
		t.Fatalf("summary %+v: want every item delivered", s)
	}
}

// TestDamagedRecordsAreDeadLettered: damaged lines in the batches go to the
// DLQ as undecodable while everything else flows.
func TestDamagedRecordsAreDeadLettered(t *testing.T) {
	load := loadtest.Config{RunID: "damaged", Rate: 400, Duration: 3 * time.Second, DamagedEvery: 4}
	p := start(t, local.Config{LogGroups: logGroups(load)})
	ledger, obs := generate(t, p, load, nil)
	s := settle(t, p, ledger, obs)
	if s.DamagedLines == 0 || s.DLQ.ByReason[string(dlq.Undecodable)] != s.DamagedLines {
		t.Fatalf("%d damaged lines, DLQ %+v: want one undecodable letter each", s.DamagedLines, s.DLQ)
	}
	if s.Delivered != s.Written || s.Missing != 0 {
		t.Fatalf("summary %+v: want every good item delivered", s)
	}
}

// TestCollectorOutageThenRedrive: the collector stops in the middle of the
// run and comes back; every item ends delivered or in the DLQ, and
// redriving the DLQ brings it to zero and the collector to the full set.
func TestCollectorOutageThenRedrive(t *testing.T) {
	load := loadtest.Config{RunID: "outage", Rate: 300, Duration: 6 * time.Second}
	// Export gives up after about 2 s of retries; the outage lasts 4 s.
	p := start(t, local.Config{LogGroups: logGroups(load), ExportTimeout: 3 * time.Second, ExportMargin: time.Second,
		ExtraEnv: map[string]string{export.EnvBreakerCooldown: "2s"}})
	down, up := false, false
	ledger, obs := generate(t, p, load, func(el time.Duration) {
		switch {
		case !down && el > time.Second:
			down = true
			if err := p.Collector.Stop(); err != nil {
				t.Error(err)
			}
		case down && !up && el > 5*time.Second:
			up = true
			if err := p.Collector.Restart(context.Background()); err != nil {
				t.Error(err)
			}
		}
	})
	s := settle(t, p, ledger, obs)
	if s.Missing != 0 || s.Pending != 0 || s.Delivered+s.DeadLettered != s.Written {
		t.Fatalf("summary %+v: want every item delivered or dead-lettered", s)
	}
	if s.DeadLettered == 0 {
		t.Fatal("the outage dead-lettered nothing: the collector was not down long enough to test anything")
	}
	// Redrive with the export code, deleting each message once delivered.
	redriven := redrive(t, p)
	obs.Close()
	final := ledger.Settle()
	if final.Delivered != final.Written || final.Missing != 0 || redriven != s.DeadLettered {
		t.Fatalf("after redriving %d items: %+v", redriven, final)
	}
	if n := queueDepth(t, p, p.Stack.DLQURL); n != 0 {
		t.Fatalf("DLQ holds %d messages after redrive", n)
	}
}

// redrive resends every DLQ message to collector "local" and deletes it.
func redrive(t *testing.T, p *local.Pipeline) int {
	t.Helper()
	ctx := context.Background()
	tb, err := route.NewTable([]route.Collector{{Name: "local", Endpoint: p.CollectorURL}})
	if err != nil {
		t.Fatal(err)
	}
	rs := export.NewResender(staticRoutes{tb}, otlphttp.NewClient(otlphttp.Options{}), otlphttp.RetryPolicy{MaxAttempts: 5})
	total := 0
	for {
		out, err := p.AWS.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(p.Stack.DLQURL), MaxNumberOfMessages: 10, VisibilityTimeout: 30})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return total
		}
		for _, m := range out.Messages {
			msg, err := dlq.Parse(aws.ToString(m.Body))
			if err != nil {
				t.Fatal(err)
			}
			n, err := rs.Resend(ctx, msg, "")
			if err != nil {
				t.Fatal(err)
			}
			total += n
			if _, err := p.AWS.SQS.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(p.Stack.DLQURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func queueDepth(t *testing.T, p *local.Pipeline, url string) int {
	t.Helper()
	out, err := p.AWS.SQS.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range out.Attributes {
		k, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		n += k
	}
	return n
}

type staticRoutes struct{ t *route.Table }

func (s staticRoutes) Table(context.Context) (*route.Table, error) { return s.t, nil }
