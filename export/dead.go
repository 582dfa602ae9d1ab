package export

import (
	"context"
	"fmt"
	"sort"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
)

// maxProblemLines bounds per-problem log lines in one batch.
const maxProblemLines = 10

// deadLetter is data bound for the DLQ and the source records it came from.
type deadLetter struct {
	reason dlq.Reason
	items  int
	meta   dlq.Message
	raw    []byte
	recs   []int // source records; nil means every record of the group
	group  *group
}

// newDead fills the DLQ metadata for data of group g.
func (b *batch) newDead(g *group, raw []byte, items int, f failure) deadLetter {
	now := b.h.opts.Now().UTC()
	first, last := now, now
	if !f.res.FirstFailure.IsZero() {
		first = f.res.FirstFailure.UTC()
	}
	if !f.res.LastFailure.IsZero() {
		last = f.res.LastFailure.UTC()
	}
	sig := ""
	if g != nil {
		sig = g.signal.String()
	}
	m := dlq.Message{
		Reason: f.reason, Signal: sig, Status: f.status, Error: errString(f.err), BodyExcerpt: f.excerpt,
		Attempts: f.res.Attempts, FirstFailure: first, LastFailure: last, Items: items,
	}
	if g != nil {
		m.Collector = g.collector
		m.Headers = g.headers
	}
	return deadLetter{reason: f.reason, items: items, meta: m, raw: raw, group: g}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// undecodable dead-letters a tier-2 record that cannot be parsed.
func (b *batch) undecodable(i int, data []byte, err error) {
	b.stats.Undecodable++
	rec := &b.ev.Records[i]
	if b.stats.Undecodable <= maxProblemLines {
		b.h.opts.Logger.Warn("undecodable tier-2 record dead-lettered", "shard_id", shardID(rec.EventID), "seq", rec.Kinesis.SequenceNumber, "err", err)
	}
	d := b.newDead(nil, nil, 0, failure{reason: dlq.Undecodable,
		err: fmt.Errorf("tier-2 record %s (shard %s): %w; the raw bytes are in the payload", rec.Kinesis.SequenceNumber, shardID(rec.EventID), err)})
	d.raw = data
	d.recs = []int{i}
	b.dead = append(b.dead, d)
}

// writeDead sends every dead letter and marks for retry the source records
// of any that could not be written.
func (b *batch) writeDead(ctx context.Context) {
	if len(b.dead) == 0 {
		return
	}
	var bodies []string
	var owner []int
	for di := range b.dead {
		d := &b.dead[di]
		recs := d.recs
		if recs == nil && d.group != nil {
			recs = groupRecords(d.group)
		}
		d.recs = recs
		d.meta.Source = b.source(recs)
		raw := d.raw
		if raw == nil {
			raw = []byte{}
		}
		meta := d.meta
		if d.reason == dlq.Undecodable {
			meta.Signal = ""
		}
		out, err := dlq.Build(meta, raw, b.h.opts.DLQMaxMessageBytes)
		if err != nil {
			b.h.opts.Logger.Error("cannot build dead letter; its records stay in the stream", "collector", d.meta.Collector, "err", err)
			b.markRetry(recs)
			b.stats.DeadLetterFails++
			continue
		}
		for _, body := range out {
			bodies = append(bodies, body)
			owner = append(owner, di)
		}
	}
	errs := b.h.dlq.Send(ctx, bodies)
	failedDead := map[int]bool{}
	for i, err := range errs {
		if err == nil {
			b.stats.DeadLetters++
			continue
		}
		b.stats.DeadLetterFails++
		failedDead[owner[i]] = true
		if b.stats.DeadLetterFails <= maxProblemLines {
			b.h.opts.Logger.Warn("dead letter not written; its records will be retried from the stream", "err", err)
		}
	}
	for di := range failedDead {
		d := &b.dead[di]
		b.markRetry(d.recs)
		b.stats.DeadLettered -= d.items
		b.stats.DeadReasons[d.reason] -= d.items
		if cs := b.stats.Collectors[d.meta.Collector]; cs != nil {
			cs.DeadLettered -= d.items
		}
	}
}

func (b *batch) markRetry(recs []int) {
	for _, r := range recs {
		b.retry[r] = true
	}
}

// source is the DLQ source metadata for the given records.
func (b *batch) source(recs []int) dlq.Source {
	if len(recs) == 0 {
		return dlq.Source{Stream: b.h.opts.SourceStream}
	}
	first, last := &b.ev.Records[recs[0]], &b.ev.Records[recs[len(recs)-1]]
	src := first.EventSourceArn
	if src == "" {
		src = b.h.opts.SourceStream
	}
	return dlq.Source{Stream: src, Shard: shardID(first.EventID), FirstSeq: first.Kinesis.SequenceNumber, LastSeq: last.Kinesis.SequenceNumber}
}

// groupRecords lists the distinct source records of a group, in order.
func groupRecords(g *group) []int {
	var recs []int
	for _, e := range g.entries {
		if n := len(recs); n == 0 || recs[n-1] != e.rec {
			recs = append(recs, e.rec)
		}
	}
	sort.Ints(recs)
	out := recs[:0]
	for i, r := range recs {
		if i == 0 || r != recs[i-1] {
			out = append(out, r)
		}
	}
	return out
}

// shardID is the shard part of a Kinesis event id.
func shardID(eventID string) string {
	for i := 0; i < len(eventID); i++ {
		if eventID[i] == ':' {
			return eventID[:i]
		}
	}
	return eventID
}
