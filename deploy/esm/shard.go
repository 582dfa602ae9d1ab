package esm

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

type shardState int

const (
	shardWaiting shardState = iota // for its parents, or for Run to start it
	shardRunning
	shardEnded // read to its end and every record done
)

func (s shardState) String() string {
	return [...]string{"waiting", "running", "ended"}[s]
}

// shard is one shard's reader state. Fields are guarded by Mapping.mu but
// saved (by saveMu) and inflight.
type shard struct {
	id        string
	parents   []string
	closed    bool   // the listing gave an EndingSequenceNumber
	endingSeq string // that number

	state    shardState
	slots    []*slot   // one per ParallelizationFactor
	pending  []*record // read and not yet done, in shard order
	lastRead string    // sequence number of the last record read
	atEnd    bool      // nothing more to read
	caughtUp uint64    // gen when the last poll that found nothing new started
	// checkpoint is the last sequence number such that it and every record
	// before it are done (delivered or discarded).
	checkpoint string
	stats      ShardStats

	saveMu   sync.Mutex
	saved    string // the checkpoint last written to the store
	inflight sync.WaitGroup
}

func newShard(id string, slots int, parents ...string) *shard {
	sh := &shard{id: id, slots: make([]*slot, slots)}
	for i := range sh.slots {
		sh.slots[i] = &slot{}
	}
	for _, p := range parents {
		if p != "" {
			sh.parents = append(sh.parents, p)
		}
	}
	return sh
}

// runShard reads a shard from its checkpoint, or from pos without one, until
// its end or until ctx ends, then waits for its batches in flight.
func (m *Mapping) runShard(ctx context.Context, sh *shard, pos StartingPosition) {
	log := m.opts.Logger.With("shard_id", sh.id)
	var cp string
	for attempt := 1; ; attempt++ {
		var err error
		if cp, err = m.opts.Checkpoints.Load(ctx, m.key(sh.id)); err == nil {
			break
		}
		log.Warn("load checkpoint", "attempt", attempt, "err", err)
		if m.opts.Sleep(ctx, m.opts.backoff(attempt)) != nil {
			return
		}
	}
	if cp == ShardEnd {
		m.mu.Lock()
		sh.state, sh.stats.Checkpoint = shardEnded, ShardEnd
		m.notifyLocked()
		m.mu.Unlock()
		m.kick()
		return
	}
	m.mu.Lock()
	sh.checkpoint, sh.saved, sh.stats.Checkpoint = cp, cp, cp
	now := m.opts.Now()
	for _, sl := range sh.slots {
		sl.windowStart = now
	}
	m.mu.Unlock()
	log.Info("read shard", "checkpoint", cp, "position", string(pos))

	defer sh.inflight.Wait()
	iter, ok := m.iterator(ctx, sh, cp, pos)
	if !ok {
		return
	}
	failures := 0
	for ctx.Err() == nil {
		m.mu.Lock()
		m.dispatchLocked(ctx, sh)
		if sh.atEnd && len(sh.pending) == 0 {
			m.mu.Unlock()
			m.finishShard(ctx, sh)
			return
		}
		limit := m.readLimitLocked(sh)
		gen := m.gen
		unsaved := sh.checkpoint != sh.stats.Checkpoint
		m.mu.Unlock()
		if unsaved {
			m.saveCheckpoint(ctx, sh)
		}
		if limit > 0 {
			// The stream's ARN, when the mapping was given one: moto's
			// iterators then lack the stream's name.
			_, streamARN := m.streamRef()
			out, err := m.api.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(iter), Limit: aws.Int32(int32(limit)), StreamARN: streamARN})
			switch {
			case err == nil:
				failures = 0
				m.mu.Lock()
				m.addLocked(sh, out, gen)
				m.dispatchLocked(ctx, sh)
				m.notifyLocked()
				m.mu.Unlock()
				if out.NextShardIterator != nil {
					iter = *out.NextShardIterator
				}
			case ctx.Err() != nil:
				return
			default:
				failures++
				var expired *types.ExpiredIteratorException
				if errors.As(err, &expired) {
					// Iterators last 5 minutes: start again after the last
					// record read.
					m.mu.Lock()
					after := sh.lastRead
					if after == "" {
						after = sh.checkpoint
					}
					m.mu.Unlock()
					log.Info("shard iterator expired", "after", after)
					if iter, ok = m.iterator(ctx, sh, after, pos); !ok {
						return
					}
					continue
				}
				log.Warn("get records", "attempt", failures, "err", err)
				if m.opts.Sleep(ctx, m.opts.backoff(failures)) != nil {
					return
				}
			}
		}
		if m.opts.Sleep(ctx, m.opts.PollInterval) != nil {
			return
		}
	}
}

// iterator gets a shard iterator after seq, or at pos when seq is "",
// retrying until ctx ends.
func (m *Mapping) iterator(ctx context.Context, sh *shard, after string, pos StartingPosition) (string, bool) {
	name, streamARN := m.streamRef()
	in := &kinesis.GetShardIteratorInput{ShardId: aws.String(sh.id), StreamName: name, StreamARN: streamARN}
	switch {
	case after != "":
		in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
		in.StartingSequenceNumber = aws.String(after)
	case pos == Latest:
		in.ShardIteratorType = types.ShardIteratorTypeLatest
	case pos == AtTimestamp:
		in.ShardIteratorType = types.ShardIteratorTypeAtTimestamp
		in.Timestamp = aws.Time(m.opts.StartingPositionTimestamp)
	default:
		in.ShardIteratorType = types.ShardIteratorTypeTrimHorizon
	}
	for attempt := 1; ; attempt++ {
		out, err := m.api.GetShardIterator(ctx, in)
		if err == nil {
			if out.ShardIterator == nil {
				m.mu.Lock()
				sh.atEnd = true
				m.mu.Unlock()
			}
			return aws.ToString(out.ShardIterator), true
		}
		if ctx.Err() != nil {
			return "", false
		}
		m.opts.Logger.Warn("get shard iterator", "shard_id", sh.id, "type", string(in.ShardIteratorType), "attempt", attempt, "err", err)
		if m.opts.Sleep(ctx, m.opts.backoff(attempt)) != nil {
			return "", false
		}
	}
}

// readLimitLocked is how many records the next GetRecords may ask for: none
// at the shard's end or while enough records wait for their batches.
func (m *Mapping) readLimitLocked(sh *shard) int {
	if sh.atEnd {
		return 0
	}
	queued, bytes := 0, 0
	for _, sl := range sh.slots {
		queued += len(sl.queue)
		bytes += sl.bytes
	}
	n := len(sh.slots)
	highRecords := max(2*m.opts.BatchSize*n, 1000)
	highBytes := 2 * m.opts.MaxBatchBytes * n
	if queued >= highRecords || bytes >= highBytes {
		return 0
	}
	return min(highRecords-queued, MaxBatchSize)
}

// addLocked queues the records of one GetRecords answer, each in the slot
// of its partition key.
func (m *Mapping) addLocked(sh *shard, out *kinesis.GetRecordsOutput, gen uint64) {
	for _, r := range out.Records {
		rec := m.newRecord(sh.id, r)
		sl := sh.slots[slotOf(rec.key, len(sh.slots))]
		sl.queue = append(sl.queue, rec)
		sl.bytes += rec.size
		sh.pending = append(sh.pending, rec)
		sh.lastRead = rec.seq
	}
	behind := aws.ToInt64(out.MillisBehindLatest)
	sh.stats.RecordsRead += len(out.Records)
	sh.stats.MillisBehindLatest = behind
	caughtUp := len(out.Records) == 0 && behind == 0
	if caughtUp {
		sh.caughtUp = gen
	} else {
		sh.caughtUp = 0
	}
	// A closed shard ends where GetRecords gives no next iterator. Some
	// stand-ins (moto) always give one; for them a closed shard read past
	// its EndingSequenceNumber has ended too.
	if out.NextShardIterator == nil || (caughtUp && sh.closed && compareSeq(sh.lastRead, sh.endingSeq) >= 0) {
		sh.atEnd = true
	}
}

// finishShard records that every record of the shard is done.
func (m *Mapping) finishShard(ctx context.Context, sh *shard) {
	m.saveCheckpoint(ctx, sh)
	for attempt := 1; ; attempt++ {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err := m.opts.Checkpoints.Save(sctx, m.key(sh.id), ShardEnd)
		cancel()
		if err == nil {
			break
		}
		m.opts.Logger.Warn("save shard end", "shard_id", sh.id, "attempt", attempt, "err", err)
		if m.opts.Sleep(ctx, m.opts.backoff(attempt)) != nil {
			return
		}
	}
	m.mu.Lock()
	sh.state, sh.stats.Checkpoint = shardEnded, ShardEnd
	m.notifyLocked()
	m.mu.Unlock()
	m.opts.Logger.Info("shard ended", "shard_id", sh.id)
	m.kick()
}
