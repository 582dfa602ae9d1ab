package esm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// record is one Kinesis record on its way to the function.
type record struct {
	r       types.Record
	seq     string
	key     string
	arrival time.Time
	size    int // bytes of its entry in the event JSON
	// Owned by the batch goroutine holding the record.
	invokes int
	// Guarded by Mapping.mu.
	done bool
}

// slot is one of a shard's ParallelizationFactor lanes: its batches run one
// at a time, in order.
type slot struct {
	queue       []*record
	bytes       int // sum of the queued records' sizes
	busy        bool
	windowStart time.Time // when the batching window began
}

// eventOverhead is the JSON around the records: {"Records":[]}.
const eventOverhead = len(`{"Records":[]}`)

// slotOf spreads partition keys over n slots; one key always maps to the
// same slot, so its records stay in order.
func slotOf(key string, n int) int {
	if n == 1 {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}

func (m *Mapping) newRecord(shardID string, r types.Record) *record {
	rec := &record{
		r:       r,
		seq:     aws.ToString(r.SequenceNumber),
		key:     aws.ToString(r.PartitionKey),
		arrival: aws.ToTime(r.ApproximateArrivalTimestamp),
	}
	// The entry's size without data, plus the data's base64.
	b, _ := json.Marshal(m.eventRecord(shardID, rec, []byte{}))
	rec.size = len(b) + base64.StdEncoding.EncodedLen(len(r.Data))
	return rec
}

// eventRecord is a record as Lambda shows it to a function.
func (m *Mapping) eventRecord(shardID string, rec *record, data []byte) events.KinesisEventRecord {
	er := events.KinesisEventRecord{
		AwsRegion:         m.region,
		EventID:           shardID + ":" + rec.seq,
		EventName:         "aws:kinesis:record",
		EventSource:       "aws:kinesis",
		EventSourceArn:    m.streamARN,
		EventVersion:      "1.0",
		InvokeIdentityArn: m.opts.InvokeIdentityARN,
		Kinesis: events.KinesisRecord{
			ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: rec.arrival},
			Data:                        data,
			PartitionKey:                rec.key,
			SequenceNumber:              rec.seq,
			KinesisSchemaVersion:        "1.0",
		},
	}
	if rec.r.EncryptionType == types.EncryptionTypeKms {
		er.Kinesis.EncryptionType = string(rec.r.EncryptionType)
	}
	return er
}

// event builds an invocation's event. Each invocation gets its own copy of
// the data, so a handler that changes it cannot change a retry.
func (m *Mapping) event(shardID string, batch []*record) events.KinesisEvent {
	ev := events.KinesisEvent{Records: make([]events.KinesisEventRecord, len(batch))}
	for i, rec := range batch {
		ev.Records[i] = m.eventRecord(shardID, rec, append([]byte{}, rec.r.Data...))
	}
	return ev
}

// readyLocked says whether sl should invoke now: when the batch is full (by
// count or payload), the batching window has passed, or nothing more will
// come.
func (m *Mapping) readyLocked(sh *shard, sl *slot, now time.Time) bool {
	switch {
	case len(sl.queue) == 0:
		return false
	case m.opts.MaximumBatchingWindow == 0, sh.atEnd, len(sl.queue) >= m.opts.BatchSize:
		return true
	case eventOverhead+sl.bytes+len(sl.queue)-1 > m.opts.MaxBatchBytes:
		return true
	}
	return now.Sub(sl.windowStart) >= m.opts.MaximumBatchingWindow
}

// cut takes the next batch off sl: up to BatchSize records whose event fits
// MaxBatchBytes, and at least one record.
func (m *Mapping) cut(sl *slot) []*record {
	total, n := eventOverhead, 0
	for n < len(sl.queue) && n < m.opts.BatchSize {
		add := sl.queue[n].size
		if n > 0 {
			add++ // the comma
		}
		if n > 0 && total+add > m.opts.MaxBatchBytes {
			break
		}
		total += add
		n++
	}
	batch := make([]*record, n)
	copy(batch, sl.queue)
	for _, r := range batch {
		sl.bytes -= r.size
	}
	clear(sl.queue[:n])
	sl.queue = sl.queue[n:]
	return batch
}

// dispatchLocked starts a batch on every idle slot that is ready.
func (m *Mapping) dispatchLocked(ctx context.Context, sh *shard) {
	if ctx.Err() != nil || sh.state != shardRunning {
		return
	}
	now := m.opts.Now()
	for _, sl := range sh.slots {
		if sl.busy || !m.readyLocked(sh, sl, now) {
			continue
		}
		batch := m.cut(sl)
		sl.busy = true
		sh.stats.Batches++
		sh.inflight.Add(1)
		go m.runBatch(ctx, sh, sl, batch)
	}
}

// runBatch delivers one batch, then frees its slot and starts the next.
func (m *Mapping) runBatch(ctx context.Context, sh *shard, sl *slot, batch []*record) {
	defer sh.inflight.Done()
	m.deliver(ctx, sh, batch, 0)
	m.mu.Lock()
	sl.busy = false
	sl.windowStart = m.opts.Now() // the next window begins now
	m.dispatchLocked(ctx, sh)
	m.notifyLocked()
	m.mu.Unlock()
}
