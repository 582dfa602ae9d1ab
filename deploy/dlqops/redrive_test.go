package dlqops

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/otlpfwd/otlpfwd/deploy/svc/svctest"
	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// fill dead-letters a batch of every signal for collector "down" through
// the real collector answering 503, with a chunked span among them.
func fill(t *testing.T, e *env, tag string) *batch {
	t.Helper()
	down := svctest.Collector(t, true)
	var b batch
	for i := range 4 {
		b.add("down", otlp.Traces, tag+"t"+string(rune('a'+i)), 30)
	}
	b.add("down", otlp.Metrics, tag+"m", 12)
	b.add("down", otlp.Logs, tag+"l", 20)
	b.addRaw("down", otlp.Traces, bigSpan(tag+"big", 40<<10))
	n := e.deadLetter(t, []route.Collector{{Name: "down", Endpoint: down.Endpoint()}}, 16<<10, export.BreakerOptions{Failures: -1}, event(b.recs))
	if n != len(b.ids) {
		t.Fatalf("dead-lettered %d of %d items", n, len(b.ids))
	}
	return &b
}

// collectorTarget sends to the collectors given (the fixed "down").
func collectorTarget(to string, cs ...route.Collector) *CollectorTarget {
	return NewCollectorTarget(routes(cs...), otlphttp.NewClient(otlphttp.Options{Timeout: 5 * time.Second}), fastRetry, to)
}

// fast is quick options for tests: short long-poll waits.
func fast(o RedriveOptions) RedriveOptions {
	o.Rate = 1000
	o.Wait = time.Second
	return o
}

// TestRedriveToCollector: once the collector works again, redrive delivers
// every item to the real collector exactly once and empties the queue.
func TestRedriveToCollector(t *testing.T) {
	e := newEnv(t)
	b := fill(t, e, "r")
	msgs := e.depth(t).Visible
	good := svctest.Collector(t, false)
	var events []Event
	sum, err := Redrive(context.Background(), e.aws.SQS, e.st.DLQURL, collectorTarget("", route.Collector{Name: "down", Endpoint: good.Endpoint()}),
		fast(RedriveOptions{OnEvent: func(ev Event) { events = append(events, ev) }}))
	if err != nil {
		t.Fatal(err)
	}
	if !sum.OK() || sum.Read != msgs || sum.Redriven.Items != len(b.ids) || sum.Remaining.Total() != 0 {
		t.Fatalf("summary %+v (queue held %d messages)", sum, msgs)
	}
	if got := svctest.CollectorIDs(t, good); !slices.Equal(got, b.sorted()) {
		t.Fatalf("collector got %d items, want %d:\n%v\n%v", len(got), len(b.ids), got, b.sorted())
	}
	chunked := false
	for _, ev := range events {
		chunked = chunked || len(ev.MessageIDs) > 1
		if ev.Outcome != Redriven || ev.Target != "collector down" {
			t.Errorf("event %+v", ev)
		}
	}
	if !chunked || len(events) != sum.Redriven.Messages {
		t.Errorf("%d events for %d dead letters; a chunked one: %v", len(events), sum.Redriven.Messages, chunked)
	}
}

// TestRedriveInterruptedResumed interrupts a redrive after three dead
// letters, then resumes it: every item reaches the collector once, every
// message is deleted exactly once, and the resumed run does not wait for
// the first run's leases (they were given back).
func TestRedriveInterruptedResumed(t *testing.T) {
	e := newEnv(t)
	b := fill(t, e, "i")
	total := e.depth(t).Visible
	good := svctest.Collector(t, false)
	target := collectorTarget("", route.Collector{Name: "down", Endpoint: good.Endpoint()})
	api := newRecordingSQS(e.aws.SQS)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := 0
	sum, err := Redrive(ctx, api, e.st.DLQURL, target, fast(RedriveOptions{Concurrency: 1, Lease: 5 * time.Minute, OnEvent: func(ev Event) {
		if ev.Outcome == Redriven {
			if done++; done == 3 {
				cancel()
			}
		}
	}}))
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Interrupted || sum.OK() || sum.Redriven.Messages != 3 {
		t.Fatalf("interrupted run: %+v", sum)
	}
	del := api.deleted()
	after := e.depth(t)
	if after.Visible != total-len(del) || after.InFlight != 0 {
		t.Fatalf("after the interruption: %+v, %d deleted of %d: the rest must be visible at once", after, len(del), total)
	}
	// What was deleted is exactly what the collector has.
	first := svctest.CollectorIDs(t, good)
	if len(first) != sum.Redriven.Items || len(first) == 0 {
		t.Fatalf("collector has %d items; the run redrove %d", len(first), sum.Redriven.Items)
	}

	start := time.Now()
	sum, err = Redrive(context.Background(), api, e.st.DLQURL, target, fast(RedriveOptions{Lease: 5 * time.Minute}))
	if err != nil || !sum.OK() || sum.Remaining.Total() != 0 {
		t.Fatalf("resumed run: %+v %v", sum, err)
	}
	if d := time.Since(start); d > time.Minute {
		t.Fatalf("the resumed run took %s: it waited for leases", d)
	}
	if got := svctest.CollectorIDs(t, good); !slices.Equal(got, b.sorted()) {
		t.Fatalf("collector has %d items, want %d once each", len(got), len(b.ids))
	}
	del = api.deleted()
	if len(del) != total {
		t.Fatalf("%d messages deleted, want %d", len(del), total)
	}
	for id, n := range del {
		if n != 1 {
			t.Errorf("message %s deleted %d times", id, n)
		}
	}
}

// failingRelease makes the final release fail, as when the process is
// killed before it can give its messages back.
type failingRelease struct{ *recordingSQS }

func (f failingRelease) ChangeMessageVisibilityBatch(context.Context, *sqs.ChangeMessageVisibilityBatchInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	return nil, context.Canceled
}

// TestRedriveKilled: a run that dies without giving its messages back
// leaves them hidden until their lease ends; a run in the meantime cannot
// take them (so nothing is sent twice), and one after the lease sends and
// deletes each exactly once.
func TestRedriveKilled(t *testing.T) {
	e := newEnv(t)
	b := fill(t, e, "k")
	total := e.depth(t).Visible
	good := svctest.Collector(t, false)
	target := collectorTarget("", route.Collector{Name: "down", Endpoint: good.Endpoint()})
	api := newRecordingSQS(e.aws.SQS)
	lease := RedriveOptions{Lease: 4 * time.Second, SendBudget: time.Second, LeaseMargin: 500 * time.Millisecond}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := fast(lease)
	o.Concurrency = 1
	o.OnEvent = func(ev Event) {
		if ev.Outcome == Redriven {
			cancel()
		}
	}
	sum, err := Redrive(ctx, failingRelease{api}, e.st.DLQURL, target, o)
	if err == nil || !strings.Contains(err.Error(), "reappear when their visibility timeout of 4s ends") {
		t.Fatalf("the failed release is not reported: %v", err)
	}
	if sum.Redriven.Messages != 1 {
		t.Fatalf("killed run: %+v", sum)
	}
	held, deleted := e.depth(t).InFlight, len(api.deleted())
	if held == 0 {
		t.Fatal("the killed run holds no message: the test proves nothing")
	}
	// While the lease holds, another run cannot take them.
	sum, err = Redrive(context.Background(), api, e.st.DLQURL, target, fast(lease))
	if err != nil || sum.Read != total-deleted-held {
		t.Fatalf("run during the lease read %d messages, want %d: %+v %v", sum.Read, total-deleted-held, sum, err)
	}
	time.Sleep(lease.Lease)
	sum, err = Redrive(context.Background(), api, e.st.DLQURL, target, fast(lease))
	if err != nil || !sum.OK() || sum.Remaining.Total() != 0 {
		t.Fatalf("run after the lease: %+v %v", sum, err)
	}
	if got := svctest.CollectorIDs(t, good); !slices.Equal(got, b.sorted()) {
		t.Fatalf("collector has %d items, want %d once each", len(got), len(b.ids))
	}
	for id, n := range api.deleted() {
		if n != 1 {
			t.Errorf("message %s deleted %d times", id, n)
		}
	}
}

// TestRedriveFilters covers dry runs, --collector, --reason, --max,
// --to-collector, an unknown collector and undecodable messages.
func TestRedriveFilters(t *testing.T) {
	e := newEnv(t)
	down := svctest.Collector(t, true)
	var a, bb batch
	a.add("a", otlp.Traces, "a1", 5)
	a.add("a", otlp.Logs, "a2", 5)
	bb.add("b", otlp.Traces, "b1", 7)
	e.deadLetter(t, []route.Collector{{Name: "a", Endpoint: status(t, 401)}, {Name: "b", Endpoint: down.Endpoint()}}, 0,
		export.BreakerOptions{Failures: -1}, event(append(a.recs, bb.recs...), []byte{0x1f, 0x8b, 0}))
	total := e.depth(t).Visible // a: traces, logs; b: traces; undecodable
	if total != 4 {
		t.Fatalf("%d messages, want 4", total)
	}
	good := svctest.Collector(t, false)
	ctx := context.Background()
	cs := []route.Collector{{Name: "a", Endpoint: good.Endpoint()}, {Name: "b", Endpoint: good.Endpoint()}, {Name: "traces-only", Endpoint: good.Endpoint(), Signals: route.Signals{otlp.Traces}}}

	sum, err := Redrive(ctx, e.aws.SQS, e.st.DLQURL, collectorTarget("", cs...), fast(RedriveOptions{DryRun: true}))
	if err != nil || len(sum.WouldRedrive) != 2 || sum.Redriven.Messages != 0 || len(sum.Skipped) != 1 || !strings.Contains(sum.Skipped[0].Why, "undecodable") {
		t.Fatalf("dry run: %+v %v", sum, err)
	}
	if n, items := Count(sum.WouldRedrive); n != 3 || items != 17 {
		t.Fatalf("dry run would redrive %d messages, %d items", n, items)
	}
	if d := e.depth(t); d.Visible != total || len(svctest.CollectorIDs(t, good)) != 0 {
		t.Fatalf("the dry run changed something: %+v", d)
	}

	// A collector that is not configured: failed, kept.
	sum, err = Redrive(ctx, e.aws.SQS, e.st.DLQURL, collectorTarget("", cs[1:]...), fast(RedriveOptions{Collector: "a"}))
	if err != nil || len(sum.Failed) != 1 || sum.Failed[0].Messages != 2 || !strings.Contains(sum.Failed[0].Why, `collector "a" is not configured`) || sum.Filtered != 2 {
		t.Fatalf("unknown collector: %+v %v", sum, err)
	}
	// --to-collector to one that does not take logs: the logs message fails.
	sum, err = Redrive(ctx, e.aws.SQS, e.st.DLQURL, collectorTarget("traces-only", cs...), fast(RedriveOptions{Collector: "a"}))
	if err != nil || sum.Redriven.Items != 5 || len(sum.Failed) != 1 || !strings.Contains(sum.Failed[0].Why, "does not receive logs") {
		t.Fatalf("to traces-only: %+v %v", sum, err)
	}
	// --reason and --max.
	sum, err = Redrive(ctx, e.aws.SQS, e.st.DLQURL, collectorTarget("", cs...), fast(RedriveOptions{Reason: dlq.RetriesExhausted, Max: 1}))
	if err != nil || sum.Redriven.Messages != 1 || sum.Redriven.Items != 7 {
		t.Fatalf("reason: %+v %v", sum, err)
	}
	// What is left: a's logs and the undecodable input.
	sum, err = Redrive(ctx, e.aws.SQS, e.st.DLQURL, collectorTarget("", cs...), fast(RedriveOptions{}))
	// The undecodable message is skipped: not OK, the operator must
	// look at it.
	if err != nil || sum.Redriven.Items != 5 || len(sum.Skipped) != 1 || sum.OK() || !slices.Equal(sum.Problems(), []string{"skipped 1"}) || sum.Remaining.Total() != 1 {
		t.Fatalf("the rest: %+v %v", sum, err)
	}
	want := append(slices.Clone(a.ids), bb.ids...)
	slices.Sort(want)
	if got := svctest.CollectorIDs(t, good); !slices.Equal(got, want) {
		t.Fatalf("collector has %v, want %v", got, want)
	}
}

// TestRedriveToStream writes dead letters back into the export stream;
// the export handler then delivers them to the real collector.
func TestRedriveToStream(t *testing.T) {
	e := newEnv(t)
	b := fill(t, e, "s")
	good := svctest.Collector(t, false)
	cs := []route.Collector{{Name: "down", Endpoint: good.Endpoint()}}
	ctx := context.Background()
	sum, err := Redrive(ctx, e.aws.SQS, e.st.DLQURL, NewStreamTarget(e.aws.Kinesis, e.st.ExportStreamARN, routes(cs...), "", nil), fast(RedriveOptions{}))
	if err != nil || !sum.OK() || sum.Redriven.Items != len(b.ids) || sum.Remaining.Total() != 0 {
		t.Fatalf("summary %+v %v", sum, err)
	}
	recs, err := e.aws.ReadStream(ctx, e.st.ExportStreamARN)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != sum.Redriven.Messages {
		t.Fatalf("%d records for %d dead letters", len(recs), sum.Redriven.Messages)
	}
	for _, r := range recs {
		rec, err := record.Unmarshal(r.Kinesis.Data)
		if err != nil || rec.Collector != "down" || !strings.HasPrefix(r.Kinesis.PartitionKey, "down#") {
			t.Fatalf("record %v: %+v", err, rec)
		}
	}
	ev := event(nil)
	ev.Records = recs
	if n := e.deadLetter(t, cs, 0, export.BreakerOptions{}, ev); n != 0 {
		t.Fatalf("export dead-lettered %d items again", n)
	}
	if got := svctest.CollectorIDs(t, good); !slices.Equal(got, b.sorted()) {
		t.Fatalf("collector has %d items, want %d", len(got), len(b.ids))
	}
}
