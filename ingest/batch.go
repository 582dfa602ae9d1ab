package ingest

import (
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/aws/stream"
	"github.com/otlpfwd/otlpfwd/shared/cwlogs"
	"github.com/otlpfwd/otlpfwd/shared/processor"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// Stats counts what one batch held and what became of it.
type Stats struct {
	Records         int
	BytesIn         int
	PutUnitsIn      int64 // PUT payload units of the raw records
	ControlMessages int
	LogEvents       int
	Telemetry       int
	Items           int
	SkippedLines    int
	InProgressSpans int // aws/spans spans not ended yet: skipped, logged again when they end
	Unrouted        int
	Undecodable     int
	Routed          int // telemetry x collectors
	RoutedItems     int
	OutRecords      int
	BytesOut        int
	PutUnitsOut     int64 // PUT payload units of the tier-2 records
	PutCalls        int
	PutRetried      int
	PutFailed       int
	DeadLetters     int
	DeadLetterFails int
	Failed          int // source records reported in BatchItemFailures
	Duration        time.Duration
	// Collectors counts the items routed to each collector.
	Collectors map[string]int
}

// batch is the state of one invocation.
type batch struct {
	h       *Handler
	table   *route.Table
	stats   Stats
	packs   packer
	dead    []deadLetter
	tel     []processor.Telemetry
	pending []pendingTel // mergeable telemetry of the payload being read
	matches []*route.Collector
	buf     []byte
	records []*events.KinesisEventRecord
	retry   []bool // source records to report in BatchItemFailures
}

// pendingTel is mergeable telemetry waiting for the end of its payload,
// with the event it came from.
type pendingTel struct {
	ev  processor.Event
	tel processor.Telemetry
}

func newBatch(h *Handler, table *route.Table, n int) *batch {
	return &batch{h: h, table: table, packs: newPacker(h.opts), records: make([]*events.KinesisEventRecord, n), retry: make([]bool, n)}
}

// add decodes one source record and routes what it holds.
func (b *batch) add(idx int, rec *events.KinesisEventRecord) {
	b.records[idx] = rec
	b.stats.Records++
	data := rec.Kinesis.Data
	b.stats.BytesIn += len(data)
	b.stats.PutUnitsIn += stream.PutUnits(len(data) + len(rec.Kinesis.PartitionKey))
	var p *cwlogs.Payload
	var err error
	p, b.buf, err = cwlogs.Decode(data, b.buf, cwlogs.Options{})
	if err != nil {
		b.undecodable(idx, rec, "", data, err)
		return
	}
	if p.IsControl() {
		b.stats.ControlMessages++
		return
	}
	region := rec.AwsRegion
	if region == "" {
		region = b.h.opts.Region
	}
	shard, seq := shardID(rec.EventID), rec.Kinesis.SequenceNumber
	// Plain logs are made only when some collector wants them from this
	// log group and source.
	plain := b.table.HasPlainLogs() && len(b.table.PlainLogs(b.matches[:0], p.LogGroup, processor.LineSource(p.LogGroup))) > 0
	b.pending = b.pending[:0]
	for e := range p.LogEvents {
		le := &p.LogEvents[e]
		b.stats.LogEvents++
		ev := processor.Event{
			Owner: p.Owner, Region: region, LogGroup: p.LogGroup, LogStream: p.LogStream,
			ID: string(le.ID), Time: time.UnixMilli(le.Timestamp), Message: le.Message, PlainLogs: plain,
		}
		var outcome processor.Outcome
		b.tel, outcome, err = b.h.opts.Chain.Process(&ev, b.tel[:0])
		switch outcome {
		case processor.Skipped:
			b.stats.SkippedLines++
			continue
		case processor.InProgress:
			b.stats.InProgressSpans++
			continue
		case processor.Undecodable:
			b.undecodable(idx, rec, p.LogGroup, []byte(ev.Message), err)
			continue
		}
		for t := range b.tel {
			if b.tel[t].Mergeable {
				b.pending = append(b.pending, pendingTel{ev: ev, tel: b.tel[t]})
				continue
			}
			b.routeOrDeadLetter(idx, &ev, &b.tel[t], shard, seq)
		}
	}
	b.flushPending(idx, shard, seq)
}

// flushPending routes the payload's mergeable telemetry, merged: one
// request per processor, signal and source instead of one per log line.
// A merged request that cannot be packed (an item larger than a tier-2
// record) falls back to its parts, so that only the culprit event is
// dead-lettered.
func (b *batch) flushPending(idx int, shard, seq string) {
	if len(b.pending) == 0 {
		return
	}
	tel := make([]processor.Telemetry, len(b.pending))
	for i := range b.pending {
		tel[i] = b.pending[i].tel
	}
	for _, m := range processor.MergePayload(tel) {
		first := &b.pending[m.From[0]].ev
		if len(m.From) == 1 {
			b.routeOrDeadLetter(idx, first, &m.Telemetry, shard, seq)
			continue
		}
		if err := b.route(idx, first, &m.Telemetry, shard, seq); err != nil {
			for _, i := range m.From {
				b.routeOrDeadLetter(idx, &b.pending[i].ev, &b.pending[i].tel, shard, seq)
			}
		}
	}
	clear(b.pending) // drop the references to the payload's requests
}

// routeOrDeadLetter routes t, dead-lettering ev when t cannot be packed.
func (b *batch) routeOrDeadLetter(idx int, ev *processor.Event, t *processor.Telemetry, shard, seq string) {
	if err := b.route(idx, ev, t, shard, seq); err != nil {
		b.stats.Telemetry++
		b.stats.Items += t.Stats.Items
		b.undecodable(idx, b.records[idx], ev.LogGroup, []byte(ev.Message), err)
	}
}

// route sends one telemetry request to every collector that wants it:
// plain log records only to the collectors that asked for plain logs,
// everything else by the collectors' match rules. It returns the error of
// packing t into tier-2 items, having counted and sent nothing.
func (b *batch) route(idx int, ev *processor.Event, t *processor.Telemetry, shard, seq string) error {
	if t.PlainLogs {
		b.matches = b.table.PlainLogs(b.matches[:0], ev.LogGroup, t.Source)
	} else {
		b.matches = b.table.Match(b.matches[:0], t.Signal, ev.LogGroup, t.Source)
	}
	if len(b.matches) == 0 {
		b.stats.Telemetry++
		b.stats.Items += t.Stats.Items
		b.stats.Unrouted++
		return nil
	}
	// Items for passthrough collectors keep the app's gzip; items for
	// collectors whose requests export rewrites are S2. Each is made once.
	var kept, rewritten []record.Item
	for _, c := range b.matches {
		items := &rewritten
		if c.Passthrough() {
			items = &kept
		}
		if *items == nil {
			var err error
			if *items, err = b.packs.items(ev, t, shard, seq, c.Passthrough()); err != nil {
				return err
			}
		}
		b.stats.Routed++
		b.stats.RoutedItems += t.Stats.Items
		b.packs.add(idx, c, t, *items)
	}
	b.stats.Telemetry++
	b.stats.Items += t.Stats.Items
	return nil
}

// finish closes the open tier-2 records.
func (b *batch) finish() {
	b.packs.finish()
}
