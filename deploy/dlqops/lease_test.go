package dlqops

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// fakeTarget is a Target whose Send runs SendFn, or SendCtx when set.
type fakeTarget struct {
	SendFn  func(m *dlq.Message) (int, error)
	SendCtx func(ctx context.Context, m *dlq.Message) (int, error)
}

var _ Target = fakeTarget{}

func (f fakeTarget) Check(context.Context, *dlq.Message) error { return nil }
func (f fakeTarget) Send(ctx context.Context, m *dlq.Message) (int, error) {
	if f.SendCtx != nil {
		return f.SendCtx(ctx, m)
	}
	return f.SendFn(m)
}
func (f fakeTarget) Describe(*dlq.Message) string { return "fake" }

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// extending counts ChangeMessageVisibility calls.
type extending struct {
	*recordingSQS
	mu      sync.Mutex
	extends int
}

func (e *extending) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, o ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	e.mu.Lock()
	e.extends++
	e.mu.Unlock()
	return e.recordingSQS.ChangeMessageVisibility(ctx, in, o...)
}

// TestRedriveLease checks the lease rules with a clock the test moves: a
// message held too long before its send gets its lease extended first; a
// send that outlives the lease is not followed by a delete (the old
// receipt handle may no longer be this run's), and the message stays.
func TestRedriveLease(t *testing.T) {
	e := newEnv(t)
	var b batch
	b.add("c", otlp.Traces, "x", 3)
	bodies, err := dlq.Build(dlq.Message{Reason: dlq.Permanent, Collector: "c", Signal: "traces", Error: "test", Items: 3}, mustRaw(t, &b), 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := e.aws.SQS.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &e.st.DLQURL, MessageBody: &bodies[0]}); err != nil {
			t.Fatal(err)
		}
	}
	clk := &clock{t: time.Now()}
	opts := fast(RedriveOptions{Concurrency: 1, Lease: time.Minute, SendBudget: 20 * time.Second, LeaseMargin: 5 * time.Second, Now: clk.now})
	api := &extending{recordingSQS: newRecordingSQS(e.aws.SQS)}
	sends := 0
	target := fakeTarget{SendFn: func(m *dlq.Message) (int, error) {
		sends++
		if sends == 1 {
			clk.add(2 * time.Minute) // the first send outlives its lease
		}
		return m.Items, nil
	}}
	// The second message waits for the first: by its turn, its lease is
	// over.
	sum, err := Redrive(context.Background(), api, e.st.DLQURL, target, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.NotDeleted) != 1 || !strings.Contains(sum.NotDeleted[0].Why, "its lease ended during the send") {
		t.Fatalf("not deleted: %+v", sum)
	}
	if len(sum.Left) != 1 || !strings.Contains(sum.Left[0].Why, "held longer than its lease") {
		t.Fatalf("left: %+v", sum.Left)
	}
	if n := len(api.deleted()); n != 0 {
		t.Fatalf("%d deletes", n)
	}
	if d := e.depth(t); d.Visible != 2 {
		t.Fatalf("queue %+v, want both messages visible", d)
	}

	// With time passing slower, the lease is extended before the send.
	clk2 := &clock{t: time.Now()}
	opts.Now = clk2.now
	target.SendFn = func(m *dlq.Message) (int, error) {
		clk2.add(45 * time.Second) // each send eats most of a lease
		return m.Items, nil
	}
	sum, err = Redrive(context.Background(), api, e.st.DLQURL, target, opts)
	if err != nil || !sum.OK() || sum.Redriven.Messages != 2 {
		t.Fatalf("second run: %+v %v", sum, err)
	}
	if api.extends != 1 {
		t.Fatalf("%d lease extensions, want 1 (the second message's)", api.extends)
	}
}

// TestRedriveSendBudget: a send that hangs is cancelled after SendBudget,
// so that it cannot outlive the message's lease; it fails and the message
// stays in the queue.
func TestRedriveSendBudget(t *testing.T) {
	e := newEnv(t)
	var b batch
	b.add("c", otlp.Traces, "x", 3)
	bodies, err := dlq.Build(dlq.Message{Reason: dlq.Permanent, Collector: "c", Signal: "traces", Error: "test", Items: 3}, mustRaw(t, &b), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.aws.SQS.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &e.st.DLQURL, MessageBody: &bodies[0]}); err != nil {
		t.Fatal(err)
	}
	var deadline time.Time
	target := fakeTarget{SendCtx: func(ctx context.Context, _ *dlq.Message) (int, error) {
		deadline, _ = ctx.Deadline()
		<-ctx.Done() // a collector that never answers, a send that ignores its own timeouts
		return 0, ctx.Err()
	}}
	api := newRecordingSQS(e.aws.SQS)
	start := time.Now()
	sum, err := Redrive(context.Background(), api, e.st.DLQURL, target, fast(RedriveOptions{Lease: time.Minute, SendBudget: 300 * time.Millisecond, LeaseMargin: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	if deadline.IsZero() || deadline.Sub(start) > 10*time.Second {
		t.Fatalf("the send had no deadline within the budget: %v", deadline)
	}
	if sum.OK() || sum.Interrupted || len(sum.Failed) != 1 || !strings.Contains(sum.Failed[0].Why, "took longer than 300ms") {
		t.Fatalf("summary %+v", sum)
	}
	if len(api.deleted()) != 0 || e.depth(t).Visible != 1 {
		t.Fatalf("the message was deleted or not given back: deletes %v, depth %+v", api.deleted(), e.depth(t))
	}
}

// oneAtATime receives one message per call and moves the clock by step
// after each receive that brought one, so that the parts of a chunked dead
// letter get leases that end at different times.
type oneAtATime struct {
	*recordingSQS
	clk  *clock
	step time.Duration
}

func (o *oneAtATime) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	cp := *in
	cp.MaxNumberOfMessages = 1
	out, err := o.recordingSQS.ReceiveMessage(ctx, &cp, opts...)
	if err == nil && len(out.Messages) > 0 {
		o.clk.add(o.step)
	}
	return out, err
}

// TestRedriveChunkedLease: when one part of a chunked dead letter lost its
// lease during the send, no part is deleted (a half-deleted group could
// never be joined again): the whole dead letter stays, and a later run
// sends and deletes it.
func TestRedriveChunkedLease(t *testing.T) {
	e := newEnv(t)
	var b batch
	b.addRaw("c", otlp.Traces, bigSpan("chunked", 40<<10))
	bodies, err := dlq.Build(dlq.Message{Reason: dlq.Permanent, Collector: "c", Signal: "traces", Error: "test", Items: 1}, mustRaw(t, &b), 16<<10)
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) < 2 || len(bodies) > 5 {
		t.Fatalf("%d messages: the test needs a dead letter cut into 2 to 5", len(bodies))
	}
	for i := range bodies {
		if _, err := e.aws.SQS.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &e.st.DLQURL, MessageBody: &bodies[i]}); err != nil {
			t.Fatal(err)
		}
	}
	clk := &clock{t: time.Now()}
	api := &oneAtATime{recordingSQS: newRecordingSQS(e.aws.SQS), clk: clk, step: 20 * time.Second}
	// Part i (from 1) of n is received at 20i s, its lease (2m) ends at
	// 20i+120 s, and the send starts at 20n s (no lease needs extending
	// for n <= 5). A send of 105 s ends past the first part's lease (with
	// the 5 s margin) and within the last one's.
	lease := 2 * time.Minute
	target := fakeTarget{SendFn: func(m *dlq.Message) (int, error) {
		clk.add(105 * time.Second)
		return m.Items, nil
	}}
	opts := fast(RedriveOptions{Concurrency: 1, Lease: lease, SendBudget: 20 * time.Second, LeaseMargin: 5 * time.Second, Now: clk.now})
	sum, err := Redrive(context.Background(), api, e.st.DLQURL, target, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.NotDeleted) != 1 || !strings.Contains(sum.NotDeleted[0].Why, "none of the") {
		t.Fatalf("summary %+v", sum)
	}
	if n := len(api.deleted()); n != 0 {
		t.Fatalf("%d of the %d parts were deleted: the group is broken", n, len(bodies))
	}
	if d := e.depth(t); d.Visible != len(bodies) {
		t.Fatalf("queue %+v, want all %d parts visible", d, len(bodies))
	}
	// A run without the delay sends and deletes the whole group.
	target.SendFn = func(m *dlq.Message) (int, error) { return m.Items, nil }
	sum, err = Redrive(context.Background(), api, e.st.DLQURL, target, opts)
	if err != nil || !sum.OK() || sum.Redriven.Messages != 1 || e.depth(t).Total() != 0 {
		t.Fatalf("second run: %+v %v", sum, err)
	}
}
