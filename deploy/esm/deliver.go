package esm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// deliver invokes batch until every record is done: delivered, or handed to
// the on-failure destination. It returns false when ctx ended first; the
// records not done are then not checkpointed and will be read again.
//
// The rules (see the package documentation): records older than
// MaximumRecordAgeInSeconds are discarded before any invocation. A complete
// success checkpoints the batch. A partial success (ReportBatchItemFailures)
// checkpoints before the lowest failed record and retries from it. A
// complete failure bisects the batch when BisectBatchOnFunctionError is on
// and it holds more than one record (each half inheriting the retries
// counted so far, a split counting none), and retries it otherwise. After
// MaximumRetryAttempts retries the records go to the on-failure destination.
// An invocation that did not reach the function counts nothing.
func (m *Mapping) deliver(ctx context.Context, sh *shard, batch []*record, retries int) bool {
	notInvoked := 0
	unhandled := false // the last invocation failed in the function
	for {
		if n := m.expired(batch); n > 0 {
			if !m.discard(ctx, sh, batch[:n], RecordAgeExceeded, unhandled) {
				return false
			}
			if batch = batch[n:]; len(batch) == 0 {
				return true
			}
		}
		if ctx.Err() != nil {
			return false
		}
		resp, err := m.invoke(ctx, sh, batch)
		if ctx.Err() != nil {
			return false
		}
		if isNotInvoked(err) {
			notInvoked++
			m.mu.Lock()
			sh.stats.NotInvoked++
			m.mu.Unlock()
			m.opts.Logger.Warn("function not invoked", "shard_id", sh.id, "seq", batch[0].seq, "records", len(batch), "attempt", notInvoked, "err", err)
			if m.opts.Sleep(ctx, m.opts.backoff(notInvoked)) != nil {
				return false
			}
			continue
		}
		notInvoked = 0
		failed, ferr := m.judge(batch, resp, err)
		switch {
		case ferr == nil && failed < 0:
			m.complete(ctx, sh, batch)
			return true
		case ferr == nil:
			m.opts.Logger.Info("batch item failures", "shard_id", sh.id, "seq", batch[failed].seq, "records", len(batch)-failed, "attempt", retries+1)
			m.complete(ctx, sh, batch[:failed])
			batch = batch[failed:]
			unhandled = false
		case m.opts.BisectBatchOnFunctionError && len(batch) > 1:
			mid := len(batch) / 2
			m.mu.Lock()
			sh.stats.Bisects++
			m.mu.Unlock()
			m.opts.Logger.Info("bisect failed batch", "shard_id", sh.id, "seq", batch[0].seq, "records", len(batch), "err", ferr)
			return m.deliver(ctx, sh, batch[:mid], retries) && m.deliver(ctx, sh, batch[mid:], retries)
		default:
			m.opts.Logger.Info("batch failed", "shard_id", sh.id, "seq", batch[0].seq, "records", len(batch), "attempt", retries+1, "err", ferr)
			unhandled = err != nil
		}
		if m.retries >= 0 && retries >= m.retries {
			return m.discard(ctx, sh, batch, RetryAttemptsExhausted, unhandled)
		}
		retries++
		m.mu.Lock()
		sh.stats.Retries++
		m.mu.Unlock()
		if m.opts.Sleep(ctx, m.opts.backoff(retries)) != nil {
			return false
		}
	}
}

// invoke runs the function once with batch.
func (m *Mapping) invoke(ctx context.Context, sh *shard, batch []*record) (events.KinesisEventResponse, error) {
	start := time.Now()
	resp, err := m.invoker.Invoke(ctx, m.event(sh.id, batch))
	if isNotInvoked(err) {
		return resp, err
	}
	for _, r := range batch {
		r.invokes++
	}
	m.mu.Lock()
	sh.stats.Invocations++
	sh.stats.RecordsInvoked += len(batch)
	m.mu.Unlock()
	m.opts.Logger.Debug("invoked", "shard_id", sh.id, "seq", batch[0].seq, "records", len(batch),
		"failures", len(resp.BatchItemFailures), "duration", time.Since(start), "err", err)
	return resp, err
}

// judge reads an invocation's outcome: failed is the index of the lowest
// failed record of a partial success, or -1; ferr is set for a complete
// failure. Lambda's rules (services-kinesis-batchfailurereporting): a
// function error fails the batch; without ReportBatchItemFailures the
// response is ignored; an empty or null list is a success; an empty or null
// itemIdentifier (or one under a wrong key name, which decodes as empty)
// fails the whole batch, and so, here, does one that is not a sequence
// number of the batch.
func (m *Mapping) judge(batch []*record, resp events.KinesisEventResponse, err error) (failed int, ferr error) {
	if err != nil {
		return -1, err
	}
	if !m.opts.ReportBatchItemFailures || len(resp.BatchItemFailures) == 0 {
		return -1, nil
	}
	index := make(map[string]int, len(batch))
	for i, r := range batch {
		index[r.seq] = i
	}
	lowest := len(batch)
	for _, f := range resp.BatchItemFailures {
		if f.ItemIdentifier == "" {
			return -1, errors.New("batchItemFailures holds an empty or null itemIdentifier: the whole batch failed")
		}
		i, ok := index[f.ItemIdentifier]
		if !ok {
			return -1, fmt.Errorf("batchItemFailures itemIdentifier %q is not a sequence number of the batch: the whole batch failed", f.ItemIdentifier)
		}
		lowest = min(lowest, i)
	}
	return lowest, nil
}

// expired counts the records at the head of batch older than
// MaximumRecordAgeInSeconds. A slot's records arrive in order, so the old
// ones come first.
func (m *Mapping) expired(batch []*record) int {
	if m.opts.MaximumRecordAgeInSeconds < 0 {
		return 0
	}
	limit := time.Duration(m.opts.MaximumRecordAgeInSeconds) * time.Second
	now := m.opts.Now()
	n := 0
	for n < len(batch) && !batch[n].arrival.IsZero() && now.Sub(batch[n].arrival) > limit {
		n++
	}
	return n
}
