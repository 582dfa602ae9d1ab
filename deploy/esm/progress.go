package esm

import (
	"context"
	"time"
)

// complete marks records done and moves the checkpoint over the done
// records at the head of the shard.
func (m *Mapping) complete(ctx context.Context, sh *shard, recs []*record) {
	if len(recs) == 0 {
		return
	}
	m.mu.Lock()
	for _, r := range recs {
		r.done = true
	}
	n := 0
	for n < len(sh.pending) && sh.pending[n].done {
		n++
	}
	if n > 0 {
		sh.checkpoint = sh.pending[n-1].seq
		clear(sh.pending[:n])
		sh.pending = sh.pending[n:]
	}
	sh.stats.IteratorAge = m.opts.Now().Sub(recs[len(recs)-1].arrival)
	m.notifyLocked()
	m.mu.Unlock()
	m.saveCheckpoint(ctx, sh)
}

// saveCheckpoint writes the shard's checkpoint when it moved. It still
// writes after ctx ended, so that a clean stop keeps the progress made. A
// failed write is logged; the shard's reader tries again.
func (m *Mapping) saveCheckpoint(ctx context.Context, sh *shard) {
	sh.saveMu.Lock()
	defer sh.saveMu.Unlock()
	m.mu.Lock()
	cp := sh.checkpoint
	m.mu.Unlock()
	if cp == "" || cp == sh.saved {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := m.opts.Checkpoints.Save(sctx, m.key(sh.id), cp); err != nil {
		m.opts.Logger.Warn("save checkpoint", "shard_id", sh.id, "seq", cp, "err", err)
		return
	}
	sh.saved = cp
	m.mu.Lock()
	sh.stats.Checkpoint = cp
	m.notifyLocked()
	m.mu.Unlock()
	m.opts.Logger.Debug("checkpoint", "shard_id", sh.id, "seq", cp)
}
