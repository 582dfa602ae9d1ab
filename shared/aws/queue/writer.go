package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/cenkalti/backoff/v4"
)

// SendMessageBatchAPI is the part of the SQS client the Writer uses.
type SendMessageBatchAPI interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// MaxBatchEntries is the most messages one SendMessageBatch call takes.
const MaxBatchEntries = 10

// DefaultMaxBatchBytes is the total size of one call that every queue
// accepts (256 KiB; queues created since 2025 take 1 MiB).
const DefaultMaxBatchBytes = 256 << 10

// Options tunes a Writer. The zero value gives the defaults noted.
type Options struct {
	// MaxBatchBytes bounds one call's total body size. Default
	// DefaultMaxBatchBytes.
	MaxBatchBytes int
	// InitialInterval and MaxInterval shape the backoff. Defaults 100ms, 2s.
	InitialInterval time.Duration
	MaxInterval     time.Duration
	// MaxAttempts bounds the calls per message; 0 means until the context
	// deadline (or 5 when it has none).
	MaxAttempts int
}

// errNotAttempted marks a message that no call has settled yet.
var errNotAttempted = errors.New("not sent: no SendMessageBatch call completed for it")

// Writer sends messages to one queue.
type Writer struct {
	api  SendMessageBatchAPI
	url  string
	opts Options
}

// NewWriter returns a Writer for the queue URL.
func NewWriter(api SendMessageBatchAPI, url string, opts Options) *Writer {
	if opts.MaxBatchBytes <= 0 {
		opts.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if opts.InitialInterval <= 0 {
		opts.InitialInterval = 100 * time.Millisecond
	}
	if opts.MaxInterval <= 0 {
		opts.MaxInterval = 2 * time.Second
	}
	return &Writer{api: api, url: url, opts: opts}
}

// URL is the queue's URL.
func (w *Writer) URL() string { return w.url }

// Send sends the bodies and returns, for each, nil when it was accepted or
// the reason it was not. Each body must fit the queue's message size.
func (w *Writer) Send(ctx context.Context, bodies []string) []error {
	errs := make([]error, len(bodies))
	pending := make([]int, 0, len(bodies))
	for i := range bodies {
		errs[i] = errNotAttempted
		pending = append(pending, i)
	}
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = w.opts.InitialInterval
	bo.MaxInterval = w.opts.MaxInterval
	bo.MaxElapsedTime = 0
	bo.Reset()
	deadline, hasDeadline := ctx.Deadline()
	maxAttempts := w.opts.MaxAttempts
	if !hasDeadline && maxAttempts == 0 {
		maxAttempts = 5
	}
	for attempt := 1; len(pending) > 0; attempt++ {
		if attempt > 1 {
			if maxAttempts > 0 && attempt > maxAttempts {
				break
			}
			wait := bo.NextBackOff()
			if hasDeadline && time.Now().Add(wait).After(deadline) {
				break
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return errs
			case <-t.C:
			}
		}
		var next []int
		for _, chunk := range w.chunks(bodies, pending) {
			next = append(next, w.call(ctx, bodies, chunk, errs)...)
		}
		pending = next
		if ctx.Err() != nil {
			break
		}
	}
	return errs
}

// call sends one batch; it returns the indexes worth retrying.
func (w *Writer) call(ctx context.Context, bodies []string, idx []int, errs []error) []int {
	in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(w.url), Entries: make([]types.SendMessageBatchRequestEntry, len(idx))}
	for j, i := range idx {
		in.Entries[j] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(j)), MessageBody: aws.String(bodies[i])}
	}
	out, err := w.api.SendMessageBatch(ctx, in)
	if err != nil {
		err = fmt.Errorf("sqs SendMessageBatch to %s: %w", w.url, err)
		for _, i := range idx {
			errs[i] = err
		}
		return idx
	}
	for _, ok := range out.Successful {
		if j, err := strconv.Atoi(aws.ToString(ok.Id)); err == nil && j >= 0 && j < len(idx) {
			errs[idx[j]] = nil
		}
	}
	var retry []int
	for _, f := range out.Failed {
		j, err := strconv.Atoi(aws.ToString(f.Id))
		if err != nil || j < 0 || j >= len(idx) {
			continue
		}
		i := idx[j]
		errs[i] = fmt.Errorf("sqs SendMessageBatch to %s: %s: %s", w.url, aws.ToString(f.Code), aws.ToString(f.Message))
		if !f.SenderFault {
			retry = append(retry, i)
		}
	}
	// Entries the service did not mention are retried.
	for _, i := range idx {
		if errors.Is(errs[i], errNotAttempted) {
			retry = append(retry, i)
		}
	}
	return retry
}

func (w *Writer) chunks(bodies []string, pending []int) [][]int {
	var out [][]int
	var cur []int
	size := 0
	for _, i := range pending {
		n := len(bodies[i])
		if len(cur) > 0 && (len(cur) == MaxBatchEntries || size+n > w.opts.MaxBatchBytes) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, i)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
