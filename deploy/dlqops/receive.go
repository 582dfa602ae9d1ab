package dlqops

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
)

// Received is one message as this run received it.
type Received struct {
	// ID is the SQS message id, the same on every receive.
	ID string
	// Receipt is the receipt handle of the receive that holds the lease:
	// only it may delete the message or change its visibility.
	Receipt string
	Body    string
	// SentAt is when the message entered the queue.
	SentAt time.Time
	// ReceiveCount is SQS's ApproximateReceiveCount (this receive
	// included).
	ReceiveCount int
	// LeaseUntil is when the message becomes visible to others again
	// (receive time plus the visibility timeout, by this clock).
	LeaseUntil time.Time
	// Msg is the parsed body; nil when ParseErr is set.
	Msg      *dlq.Message
	ParseErr error
}

// receiver reads a queue once through: each message is returned the first
// time it is received, and never again (a message whose lease ran out and
// that comes back is only noted, under its new receipt handle). It stops
// when idleRounds receives in a row bring no message at all. A receive
// that brings only messages seen before is not idle: in a long run, the
// leases of messages held since the start run out and those messages come
// back while unread ones remain behind them.
type receiver struct {
	api        QueueAPI
	url        string
	visibility time.Duration
	wait       time.Duration
	now        func() time.Time
	idleRounds int

	mu sync.Mutex // guards latest: workers forget what they delete
	// latest is the receipt handle of the last receive of every message
	// seen and not deleted, for the release at the end.
	latest map[string]string
	idle   int
}

func newReceiver(api QueueAPI, url string, visibility, wait time.Duration, now func() time.Time) *receiver {
	return &receiver{api: api, url: url, visibility: visibility, wait: wait, now: now, idleRounds: 2, latest: map[string]string{}}
}

// next returns the messages received for the first time; done is true
// when the queue has nothing more to give (idleRounds empty receives in a
// row).
func (r *receiver) next(ctx context.Context, max int) (out []*Received, done bool, err error) {
	for len(out) == 0 {
		if r.idle >= r.idleRounds {
			return nil, true, nil
		}
		n := int32(min(max, 10))
		if n <= 0 {
			return nil, true, nil
		}
		res, err := r.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(r.url), MaxNumberOfMessages: n,
			VisibilityTimeout: int32(r.visibility / time.Second), WaitTimeSeconds: int32(r.wait / time.Second),
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{
				types.MessageSystemAttributeNameSentTimestamp, types.MessageSystemAttributeNameApproximateReceiveCount,
			},
		})
		if err != nil {
			return nil, false, fmt.Errorf("receive from %s: %w", r.url, err)
		}
		at := r.now()
		r.mu.Lock()
		for _, m := range res.Messages {
			id := aws.ToString(m.MessageId)
			_, seen := r.latest[id]
			r.latest[id] = aws.ToString(m.ReceiptHandle)
			if seen {
				continue
			}
			rec := &Received{ID: id, Receipt: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body), LeaseUntil: at.Add(r.visibility)}
			if ms, err := strconv.ParseInt(m.Attributes[string(types.MessageSystemAttributeNameSentTimestamp)], 10, 64); err == nil {
				rec.SentAt = time.UnixMilli(ms)
			}
			rec.ReceiveCount, _ = strconv.Atoi(m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
			rec.Msg, rec.ParseErr = dlq.Parse(rec.Body)
			out = append(out, rec)
		}
		r.mu.Unlock()
		if len(res.Messages) == 0 {
			r.idle++
		} else {
			r.idle = 0
		}
	}
	return out, false, nil
}

// forget drops a deleted message from the release list.
func (r *receiver) forget(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.latest, id)
}

// release makes every message still held visible again at once, with the
// receipt handle of its last receive. It runs even when ctx has ended (an
// interrupted run must give back what it holds), bounded by its own
// timeout.
func (r *receiver) release(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var entries []types.ChangeMessageVisibilityBatchRequestEntry
	var errs []error
	flush := func() {
		if len(entries) == 0 {
			return
		}
		out, err := r.api.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(r.url), Entries: entries})
		entries = entries[:0]
		if err != nil {
			errs = append(errs, err)
			return
		}
		for _, f := range out.Failed {
			errs = append(errs, fmt.Errorf("%s: %s", aws.ToString(f.Code), aws.ToString(f.Message)))
		}
	}
	r.mu.Lock()
	held := make([]string, 0, len(r.latest))
	for _, receipt := range r.latest {
		held = append(held, receipt)
	}
	r.mu.Unlock()
	for i, receipt := range held {
		entries = append(entries, types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(receipt), VisibilityTimeout: 0})
		if len(entries) == 10 {
			flush()
		}
	}
	flush()
	if len(errs) > 0 {
		return fmt.Errorf("make the messages read visible again (those left hidden reappear when their visibility timeout of %s ends): %w", r.visibility, errors.Join(errs...))
	}
	return nil
}
