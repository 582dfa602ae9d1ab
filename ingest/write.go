package ingest

import (
	"context"
	"sync"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/aws/stream"
	"github.com/otlpfwd/otlpfwd/shared/record"
)

// write sends the dead letters and the tier-2 records (concurrently: they
// go to different services) and marks in b.retry every source record some
// of whose output failed to land.
func (b *batch) write(ctx context.Context) {
	failed := b.retry
	var wg sync.WaitGroup
	var dlqErrs []error
	var bodies []string
	var owners []int
	for _, d := range b.dead {
		for _, body := range d.bodies {
			bodies = append(bodies, body)
			owners = append(owners, d.src)
		}
	}
	if len(bodies) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dlqErrs = b.h.dlq.Send(ctx, bodies)
		}()
	}
	entries := make([]stream.Entry, len(b.packs.done))
	created := b.h.opts.Now().Truncate(time.Millisecond)
	for i, pk := range b.packs.done {
		pk.rec.Created = created
		entries[i] = stream.Entry{Data: record.Marshal(make([]byte, 0, record.Size(&pk.rec)), &pk.rec), PartitionKey: pk.key}
		b.stats.BytesOut += len(entries[i].Data)
		b.stats.PutUnitsOut += stream.PutUnits(len(entries[i].Data) + len(entries[i].PartitionKey))
	}
	b.stats.OutRecords = len(entries)
	var res stream.Result
	if len(entries) > 0 {
		res = b.h.out.Put(ctx, entries)
	}
	wg.Wait()
	b.stats.PutCalls, b.stats.PutRetried = res.Calls, res.Retried
	for i, err := range res.Errs {
		if err == nil {
			continue
		}
		b.stats.PutFailed++
		if b.stats.PutFailed <= maxProblemLines {
			b.h.opts.Logger.Warn("tier-2 record not written; its source records will be retried",
				"collector", b.packs.done[i].rec.Collector, "records", len(b.packs.done[i].sources), "err", err)
		}
		for _, src := range b.packs.done[i].sources {
			failed[src] = true
		}
	}
	for i, err := range dlqErrs {
		if err == nil {
			b.stats.DeadLetters++
			continue
		}
		b.stats.DeadLetterFails++
		failed[owners[i]] = true
		if b.stats.DeadLetterFails <= maxProblemLines {
			b.h.opts.Logger.Warn("dead letter not written; its source record will be retried", "err", err)
		}
	}
}
