package dlqops

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"golang.org/x/time/rate"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
)

// Defaults for RedriveOptions.
const (
	DefaultRate        = 10
	DefaultConcurrency = 4
	DefaultLease       = 5 * time.Minute
	DefaultSendBudget  = 3 * time.Minute
	DefaultLeaseMargin = 10 * time.Second
)

// RedriveOptions tunes Redrive. The zero value of each field gives the
// default noted.
type RedriveOptions struct {
	// Collector, when set, redrives only the messages of that collector.
	Collector string
	// Reason, when set, redrives only the messages of that reason.
	Reason dlq.Reason
	// Max bounds the dead letters sent (0: no bound).
	Max int
	// Rate bounds the dead letters sent per second. Default 10.
	Rate float64
	// Concurrency is the number of sends in flight. Default 4.
	Concurrency int
	// Lease is the visibility timeout of each receive: how long a message
	// read is hidden from other readers. Default 5 minutes.
	Lease time.Duration
	// SendBudget is the longest one send may take (its retries
	// included): before each send the lease is extended when less than
	// this is left, and a send still running after it is cancelled (and
	// fails; its message stays). Default 3 minutes; it must be below
	// Lease.
	SendBudget time.Duration
	// LeaseMargin is kept between a delete and the end of its lease, for
	// the clocks of this host and SQS and the call's own latency.
	// Default 10 s.
	LeaseMargin time.Duration
	// Wait is the long-poll wait of each receive. Default 1 s.
	Wait time.Duration
	// DryRun reads and checks, sends and deletes nothing.
	DryRun bool
	// OnEvent, when not nil, is called after each dead letter's outcome,
	// from several goroutines at once (never concurrently with itself:
	// calls are serialized).
	OnEvent func(Event)
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

func (o *RedriveOptions) defaults() error {
	if o.Rate <= 0 {
		o.Rate = DefaultRate
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.SendBudget <= 0 {
		o.SendBudget = min(DefaultSendBudget, o.Lease/2)
	}
	if o.Wait <= 0 {
		o.Wait = DefaultWait
	}
	if o.LeaseMargin <= 0 {
		o.LeaseMargin = DefaultLeaseMargin
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Lease > 12*time.Hour {
		return fmt.Errorf("lease %s: SQS allows a visibility timeout of at most 12h", o.Lease)
	}
	if o.SendBudget+o.LeaseMargin >= o.Lease {
		return fmt.Errorf("lease %s is too short for sends of up to %s: make it at least %s", o.Lease, o.SendBudget, o.SendBudget+o.LeaseMargin+time.Second)
	}
	return nil
}

// job is one dead letter to send and the messages it came in.
type job struct {
	m     *dlq.Message
	parts []*Received
}

func (j job) ids() []string {
	ids := make([]string, len(j.parts))
	for i, p := range j.parts {
		ids[i] = p.ID
	}
	return ids
}

// redrive is one run.
type redrive struct {
	api    RedriveQueueAPI
	url    string
	target Target
	opts   RedriveOptions
	rc     *receiver
	lim    *rate.Limiter

	mu    sync.Mutex // guards tally and serializes OnEvent
	tally *tally
}

// Redrive sends the dead letters of the queue at url to target and
// deletes each message only once its data was delivered.
//
// # Why nothing is lost or deleted twice
//
// Every message is received with a visibility timeout (the lease,
// opts.Lease): for that long no other reader, another redrive included,
// can receive it. A message is deleted only after the target accepted its
// data, only with the receipt handle of this run's receive, and only
// while the lease still holds (with a margin); before each send the lease
// is extended when less than opts.SendBudget is left, so a slow send
// cannot outlive it. A message whose lease could not be kept is never
// deleted with its old handle: it stays, and is sent again later (a
// duplicate at worst, never a loss). A failed send keeps the message.
//
// Interrupted (ctx ends), Redrive stops receiving, lets no new send
// start, and cancels the sends in flight (their messages stay: the
// collector may or may not have kept the data, so a resumed run may send
// it twice). A send that had succeeded is still deleted. Then every
// message this run holds and did not delete is made visible again at
// once, so that a resumed run sees it without waiting for the lease; if
// that last step cannot run (the process is killed), the messages come
// back when their lease ends. A resumed run receives new handles and
// starts over on what is left.
//
// Messages are read once each (by message id); the run ends when the
// queue has nothing new to give, or after opts.Max dead letters.
func Redrive(ctx context.Context, api RedriveQueueAPI, url string, target Target, opts RedriveOptions) (sum *Summary, err error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	r := &redrive{api: api, url: url, target: target, opts: opts, tally: newTally(),
		rc: newReceiver(api, url, opts.Lease, opts.Wait, opts.Now), lim: rate.NewLimiter(rate.Limit(opts.Rate), 1)}
	sum = &Summary{DryRun: opts.DryRun}
	defer func() {
		if rerr := r.rc.release(ctx); rerr != nil {
			err = errors.Join(err, rerr)
		}
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		sum.Remaining, _ = GetDepth(dctx, api, url)
		sum.WouldRedrive = r.tally.list(WouldRedrive)
		sum.Failed, sum.Skipped = r.tally.list(Failed), r.tally.list(Skipped)
		sum.Left, sum.NotDeleted = r.tally.list(Left), r.tally.list(NotDeleted)
		sum.Redriven = Tally{}
		for _, g := range r.tally.list(Redriven) {
			sum.Redriven.Messages += g.Messages
			sum.Redriven.Items += g.Items
		}
	}()

	jobs := make(chan job)
	var wg sync.WaitGroup
	for range opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r.process(ctx, j)
			}
		}()
	}
	err = r.dispatch(ctx, sum, jobs)
	close(jobs)
	wg.Wait()
	sum.Interrupted = ctx.Err() != nil
	return sum, err
}

// dispatch reads the queue and hands the dead letters to the workers.
func (r *redrive) dispatch(ctx context.Context, sum *Summary, jobs chan<- job) error {
	groups := newChunks()
	defer func() {
		for _, rec := range groups.held() {
			r.report(Event{Outcome: Skipped, MessageIDs: []string{rec.ID}, Collector: rec.Msg.Collector, Signal: rec.Msg.Signal, Reason: rec.Msg.Reason,
				Why: "incomplete chunk group: not all of its chunks were read (run again later)"})
		}
	}()
	selected := 0
	for r.opts.Max == 0 || selected < r.opts.Max {
		if ctx.Err() != nil {
			return nil
		}
		batch, done, err := r.rc.next(ctx, 10)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if done {
			return nil
		}
		sum.Read += len(batch)
		for _, rec := range batch {
			if ctx.Err() != nil || (r.opts.Max > 0 && selected >= r.opts.Max) {
				break // the rest is released untouched at the end
			}
			j, ok := r.classify(ctx, sum, rec, groups)
			if !ok {
				continue
			}
			selected++
			if r.opts.DryRun {
				r.report(Event{Outcome: WouldRedrive, MessageIDs: j.ids(), Collector: j.m.Collector, Signal: j.m.Signal,
					Reason: j.m.Reason, Items: j.m.Items, Target: r.target.Describe(j.m)})
				continue
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				r.report(r.event(Left, j, "interrupted before it was sent"))
			}
		}
	}
	return nil
}

// classify decides whether rec (with the chunks read before it) makes a
// dead letter to send.
func (r *redrive) classify(ctx context.Context, sum *Summary, rec *Received, groups *chunks) (job, bool) {
	if rec.Msg == nil {
		r.report(Event{Outcome: Skipped, MessageIDs: []string{rec.ID}, Why: "not an otlpfwd dead letter: " + rec.ParseErr.Error()})
		return job{}, false
	}
	m := rec.Msg
	if (r.opts.Collector != "" && m.Collector != r.opts.Collector) || (r.opts.Reason != "" && m.Reason != r.opts.Reason) {
		if m.Chunk == nil || m.Chunk.Index == 0 {
			sum.Filtered++
		}
		return job{}, false
	}
	whole, parts, err := groups.complete(rec)
	if err != nil {
		r.report(Event{Outcome: Failed, MessageIDs: job{parts: parts}.ids(), Collector: m.Collector, Signal: m.Signal, Reason: m.Reason, Why: err.Error()})
		return job{}, false
	}
	if whole == nil {
		return job{}, false // a chunk: wait for the rest of its group
	}
	j := job{m: whole, parts: parts}
	if err := r.target.Check(ctx, whole); err != nil {
		outcome := Failed
		if whole.Reason == dlq.Undecodable || !whole.SignalOf().Valid() {
			outcome = Skipped
		}
		if ctx.Err() != nil {
			outcome = Left
		}
		r.report(r.event(outcome, j, why(r.target.Describe(whole), err)))
		return job{}, false
	}
	return j, true
}

// process sends one dead letter and deletes its messages.
func (r *redrive) process(ctx context.Context, j job) {
	if err := r.lim.Wait(ctx); err != nil {
		r.report(r.event(Left, j, "interrupted before it was sent"))
		return
	}
	if err := r.keepLease(ctx, j); err != nil {
		r.report(r.event(Left, j, err.Error()))
		return
	}
	// The send may not outlive the lease that keepLease just made sure
	// covers SendBudget: past it, the message could be another reader's.
	sctx, cancel := context.WithTimeout(ctx, r.opts.SendBudget)
	items, err := r.target.Send(sctx, j.m)
	overBudget := errors.Is(sctx.Err(), context.DeadlineExceeded)
	cancel()
	if err != nil {
		switch {
		case ctx.Err() != nil:
			r.report(r.event(Left, j, "interrupted while sending (a resumed run sends it again; the collector may get it twice)"))
		case overBudget:
			r.report(r.event(Failed, j, fmt.Sprintf("%s: the send took longer than %s (with its retries) and was stopped, so that it cannot outlive the message's lease", r.target.Describe(j.m), r.opts.SendBudget)))
		default:
			r.report(r.event(Failed, j, why(r.target.Describe(j.m), err)))
		}
		return
	}
	// The data is delivered: delete even if the run is being interrupted.
	// Every part or none: a chunk group with some parts deleted could
	// never be joined again, so first check that this run still holds the
	// lease of each.
	now := r.opts.Now()
	for _, p := range j.parts {
		if !now.Add(r.opts.LeaseMargin).Before(p.LeaseUntil) {
			why := fmt.Sprintf("message %s: its lease ended during the send, so another reader may hold it now; it was not deleted and will be sent again", p.ID)
			if len(j.parts) > 1 {
				why = fmt.Sprintf("message %s: its lease ended during the send, so another reader may hold it now; none of the %d messages this dead letter was cut into was deleted, and it will be sent again", p.ID, len(j.parts))
			}
			ev := r.event(NotDeleted, j, why)
			ev.Items = items
			r.report(ev)
			return
		}
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var problems []error
	for _, p := range j.parts {
		if err := r.delete(dctx, p); err != nil {
			problems = append(problems, err)
		}
	}
	if len(problems) > 0 {
		ev := r.event(NotDeleted, j, errors.Join(problems...).Error())
		ev.Items = items
		r.report(ev)
		return
	}
	ev := r.event(Redriven, j, "")
	ev.Items = items
	r.report(ev)
}

// keepLease extends the lease of j's messages that have less than
// SendBudget left.
func (r *redrive) keepLease(ctx context.Context, j job) error {
	for _, p := range j.parts {
		now := r.opts.Now()
		if now.Add(r.opts.SendBudget + r.opts.LeaseMargin).Before(p.LeaseUntil) {
			continue
		}
		if !now.Add(r.opts.LeaseMargin).Before(p.LeaseUntil) {
			return fmt.Errorf("message %s was held longer than its lease (%s) before it could be sent: left for a later run (raise --visibility-timeout or lower --concurrency)", p.ID, r.opts.Lease)
		}
		_, err := r.api.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
			QueueUrl: aws.String(r.url), ReceiptHandle: aws.String(p.Receipt), VisibilityTimeout: int32(r.opts.Lease / time.Second),
		})
		if err != nil {
			return fmt.Errorf("extend the lease of message %s: %w", p.ID, err)
		}
		p.LeaseUntil = now.Add(r.opts.Lease)
	}
	return nil
}

// delete removes a message whose data was delivered, if this run still
// holds its lease.
func (r *redrive) delete(ctx context.Context, p *Received) error {
	if !r.opts.Now().Add(r.opts.LeaseMargin).Before(p.LeaseUntil) {
		return fmt.Errorf("message %s: its lease ended during the send, so another reader may hold it now; it was not deleted and will be sent again", p.ID)
	}
	if _, err := r.api.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(r.url), ReceiptHandle: aws.String(p.Receipt)}); err != nil {
		return fmt.Errorf("delete message %s: %w (it will be sent again)", p.ID, err)
	}
	r.rc.forget(p.ID)
	return nil
}

func (r *redrive) event(o Outcome, j job, why string) Event {
	return Event{Outcome: o, MessageIDs: j.ids(), Collector: j.m.Collector, Signal: j.m.Signal, Reason: j.m.Reason,
		Items: j.m.Items, Target: r.target.Describe(j.m), Why: why}
}

func (r *redrive) report(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tally.add(ev)
	if r.opts.OnEvent != nil {
		r.opts.OnEvent(ev)
	}
}
