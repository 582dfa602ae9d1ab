package local

import (
	"context"
	"time"

	"github.com/otlpfwd/otlpfwd/loadtest"
)

// Settle waits until the pipeline has handled what was written (both
// mappings caught up, and every item written delivered or dead-lettered by
// export's own count, or, with an observer, seen at the collector), at most
// timeout, calling tick every interval; then it reads the DLQ into the
// ledger and returns the account. The observer keeps running (Close it).
// Items neither delivered nor
// dead-lettered are pending while a mapping still holds records, else
// missing.
func (p *Pipeline) Settle(ctx context.Context, ledger *loadtest.Ledger, obs *Observer, timeout, interval time.Duration, tick func()) (Summary, error) {
	drainCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for drainCtx.Err() == nil {
		idleCtx, c2 := context.WithTimeout(drainCtx, interval)
		idleErr := p.WaitIdle(idleCtx)
		c2()
		if tick != nil {
			tick()
		}
		c := ledger.Counts()
		reported := p.Counters.Get("export/Delivered")+p.Counters.Get("export/DeadLettered") >= float64(c.Written)
		if idleErr == nil && (reported || (obs != nil && c.Pending == 0)) {
			break
		}
		if err := p.Err(); err != nil {
			return Summary{}, err
		}
	}
	if obs != nil {
		obs.Poll()
		if err := obs.Err(); err != nil {
			return Summary{}, err
		}
	}
	tally, err := loadtest.PeekDLQ(ctx, p.AWS.SQS, p.Stack.DLQURL, 60, ledger)
	if err != nil {
		return Summary{}, err
	}
	pendingRecords := p.Ingest.Stats().Total().Pending + p.Export.Stats().Total().Pending
	c := ledger.Counts()
	s := Summary{Written: c.Written, Delivered: c.Delivered, DeadLettered: c.DeadLettered, Duplicates: c.Duplicates,
		DamagedLines: c.Damaged, Counters: p.Counters.Snapshot(), ObservedDirect: obs != nil, DLQ: tally,
		Latency: LatencyJSON{P50: c.Latency.P50, P99: c.Latency.P99}, P90: c.Latency.P90, Max: c.Latency.Max}
	if obs == nil {
		// Without the collector's output, delivery is what export reported.
		s.Delivered = int(p.Counters.Get("export/Delivered"))
		c.Pending = max(0, s.Written-s.Delivered-s.DeadLettered)
	}
	if pendingRecords > 0 {
		s.Pending = c.Pending // still in a stream, being retried
	} else {
		s.Missing = c.Pending
	}
	return s, nil
}
