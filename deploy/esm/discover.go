package esm

import (
	"context"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// discover lists the shards and starts a reader for each new shard whose
// parents are done (a child shard waits for its parents, so that records of
// one partition key stay in order across a reshard). Shards listed on the
// first call start at StartingPosition; later ones at TRIM_HORIZON.
func (m *Mapping) discover(ctx context.Context, wg *sync.WaitGroup, first bool) error {
	m.mu.Lock()
	gen := m.gen
	m.mu.Unlock()
	listed, err := m.listShards(ctx)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if first {
		m.initial = map[string]bool{}
	}
	for _, s := range listed {
		id := aws.ToString(s.ShardId)
		if first {
			m.initial[id] = true
		}
		sh := m.shards[id]
		if sh == nil {
			sh = newShard(id, m.opts.ParallelizationFactor, aws.ToString(s.ParentShardId), aws.ToString(s.AdjacentParentShardId))
			m.shards[id] = sh
		}
		if r := s.SequenceNumberRange; r != nil && r.EndingSequenceNumber != nil {
			sh.closed, sh.endingSeq = true, *r.EndingSequenceNumber
		}
	}
	ids := make([]string, 0, len(m.shards))
	for id := range m.shards {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		sh := m.shards[id]
		if sh.state != shardWaiting || !m.parentsDoneLocked(sh) {
			continue
		}
		pos := TrimHorizon
		if m.initial[id] {
			pos = m.opts.StartingPosition
		}
		sh.state = shardRunning
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.runShard(ctx, sh, pos)
		}()
	}
	m.listedGen = gen
	m.notifyLocked()
	return nil
}

// parentsDoneLocked: every parent of sh is read to its end, or gone from
// the stream (past its retention).
func (m *Mapping) parentsDoneLocked(sh *shard) bool {
	for _, p := range sh.parents {
		if ps, ok := m.shards[p]; ok && ps.state != shardEnded {
			return false
		}
	}
	return true
}

// listShards lists every shard of the stream, open or closed.
func (m *Mapping) listShards(ctx context.Context) ([]types.Shard, error) {
	name, streamARN := m.streamRef()
	in := &kinesis.ListShardsInput{StreamName: name, StreamARN: streamARN}
	var shards []types.Shard
	for {
		out, err := m.api.ListShards(ctx, in)
		if err != nil {
			return nil, err
		}
		shards = append(shards, out.Shards...)
		if out.NextToken == nil || *out.NextToken == "" {
			return shards, nil
		}
		// With NextToken, ListShards takes no stream.
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
}
