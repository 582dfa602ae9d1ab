package esm

import (
	"context"
	"encoding/json"
)

// discard hands records to the on-failure destination, retrying the send
// until it works or ctx ends, then marks them done. Without a destination
// they are dropped.
func (m *Mapping) discard(ctx context.Context, sh *shard, recs []*record, condition string, unhandled bool) bool {
	body, _ := json.Marshal(m.failureRecord(sh.id, recs, condition, unhandled)) // strings and ints only
	first, last := recs[0], recs[len(recs)-1]
	attrs := []any{"shard_id", sh.id, "seq", first.seq, "end_seq", last.seq, "records", len(recs), "condition", condition}
	if m.opts.OnFailure == nil {
		m.opts.Logger.Warn("discard records: no on-failure destination", attrs...)
		m.mu.Lock()
		sh.stats.DiscardedRecords += len(recs)
		m.mu.Unlock()
		m.complete(ctx, sh, recs)
		return true
	}
	for attempt := 1; ; attempt++ {
		err := m.opts.OnFailure.Send(ctx, body)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return false
		}
		m.opts.Logger.Warn("send on-failure record", append(attrs, "attempt", attempt, "err", err)...)
		if m.opts.Sleep(ctx, m.opts.backoff(attempt)) != nil {
			return false
		}
	}
	m.opts.Logger.Warn("records sent to on-failure destination", attrs...)
	m.mu.Lock()
	sh.stats.OnFailureBatches++
	sh.stats.OnFailureRecords += len(recs)
	m.mu.Unlock()
	m.complete(ctx, sh, recs)
	return true
}

func (m *Mapping) failureRecord(shardID string, recs []*record, condition string, unhandled bool) FailureRecord {
	first, last := recs[0], recs[len(recs)-1]
	invokes := 0
	for _, r := range recs {
		invokes = max(invokes, r.invokes)
	}
	fr := FailureRecord{
		RequestContext: FailureRequestContext{
			RequestID:              newRequestID(),
			FunctionARN:            m.functionARN,
			Condition:              condition,
			ApproximateInvokeCount: invokes,
		},
		Version:   "1.0",
		Timestamp: formatFailureTime(m.opts.Now()),
		KinesisBatchInfo: KinesisBatchInfo{
			ShardID:                         shardID,
			StartSequenceNumber:             first.seq,
			EndSequenceNumber:               last.seq,
			ApproximateArrivalOfFirstRecord: formatFailureTime(first.arrival),
			ApproximateArrivalOfLastRecord:  formatFailureTime(last.arrival),
			BatchSize:                       len(recs),
			StreamARN:                       m.streamARN,
		},
	}
	if invokes > 0 {
		fr.ResponseContext = &FailureResponseContext{StatusCode: 200, ExecutedVersion: "$LATEST"}
		if unhandled {
			fr.ResponseContext.FunctionError = "Unhandled"
		}
	}
	return fr
}
