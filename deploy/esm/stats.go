package esm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ShardStats counts what a mapping did with one shard.
type ShardStats struct {
	ShardID string
	// State is "waiting" (for its parents), "running" or "ended".
	State string
	// RecordsRead counts records read from the shard.
	RecordsRead int
	// Batches counts batches cut from the stream, before retries and
	// bisects.
	Batches int
	// Invocations counts invocations that reached the function; each
	// retry and each bisected half is one more.
	Invocations int
	// RecordsInvoked sums the records of every invocation.
	RecordsInvoked int
	// NotInvoked counts invocations that did not reach the function.
	NotInvoked int
	// Retries counts retries of failed batches (what MaximumRetryAttempts
	// limits).
	Retries int
	// Bisects counts failed batches split in two.
	Bisects int
	// OnFailureBatches and OnFailureRecords count the on-failure records
	// sent and the Kinesis records they stand for.
	OnFailureBatches int
	OnFailureRecords int
	// DiscardedRecords counts records dropped for want of a destination.
	DiscardedRecords int
	// Pending counts records read and not yet done.
	Pending int
	// Checkpoint is the last sequence number saved, or ShardEnd.
	Checkpoint string
	// MillisBehindLatest is the last GetRecords' distance to the tip.
	MillisBehindLatest int64
	// IteratorAge is, as Lambda's metric, the age of the last record of
	// the last batch when it was done.
	IteratorAge time.Duration
}

// Stats is a snapshot of every shard's counts.
type Stats struct {
	Shards []ShardStats // by shard id
}

// Total sums the counts of every shard; its IteratorAge and
// MillisBehindLatest are the largest.
func (s Stats) Total() ShardStats {
	t := ShardStats{ShardID: "total"}
	for _, sh := range s.Shards {
		t.RecordsRead += sh.RecordsRead
		t.Batches += sh.Batches
		t.Invocations += sh.Invocations
		t.RecordsInvoked += sh.RecordsInvoked
		t.NotInvoked += sh.NotInvoked
		t.Retries += sh.Retries
		t.Bisects += sh.Bisects
		t.OnFailureBatches += sh.OnFailureBatches
		t.OnFailureRecords += sh.OnFailureRecords
		t.DiscardedRecords += sh.DiscardedRecords
		t.Pending += sh.Pending
		t.MillisBehindLatest = max(t.MillisBehindLatest, sh.MillisBehindLatest)
		t.IteratorAge = max(t.IteratorAge, sh.IteratorAge)
	}
	return t
}

// Stats returns a snapshot of every shard's counts.
func (m *Mapping) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	var s Stats
	for id, sh := range m.shards {
		st := sh.stats
		st.ShardID = id
		st.State = sh.state.String()
		st.Pending = len(sh.pending)
		s.Shards = append(s.Shards, st)
	}
	slices.SortFunc(s.Shards, func(a, b ShardStats) int { return strings.Compare(a.ShardID, b.ShardID) })
	return s
}

// ErrStopped is WaitIdle's answer once Run has returned.
var ErrStopped = errors.New("esm: mapping is not running")

// WaitIdle waits until the mapping has caught up: shards were listed after
// the call, and every shard has ended, or has no record pending, its
// checkpoint saved, and was polled after the call with nothing new. Records put to the stream before
// the call have then been delivered or discarded. Run must be running (or
// about to); WaitIdle returns ErrStopped once it has returned.
func (m *Mapping) WaitIdle(ctx context.Context) error {
	m.mu.Lock()
	m.gen++
	want := m.gen
	m.mu.Unlock()
	m.kick()
	for {
		m.mu.Lock()
		idle, stopped, changed := m.idleLocked(want), m.stopped, m.changed
		m.mu.Unlock()
		switch {
		case idle:
			return nil
		case stopped:
			return ErrStopped
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("esm: wait for the mapping to catch up: %w (stats %+v)", ctx.Err(), m.Stats().Total())
		case <-changed:
		}
	}
}

func (m *Mapping) idleLocked(want uint64) bool {
	if m.listedGen < want {
		return false
	}
	for _, sh := range m.shards {
		switch {
		case sh.state == shardEnded:
		case sh.state == shardWaiting, len(sh.pending) > 0, sh.caughtUp < want, sh.checkpoint != sh.stats.Checkpoint:
			return false
		}
	}
	return true
}
