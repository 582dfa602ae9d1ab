package ingest

import (
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/cwlogs"
	"github.com/otlpfwd/otlpfwd/shared/processor"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// Stats counts what one batch held and what became of it.
type Stats struct {
	Records         int
	BytesIn         int
	ControlMessages int
	LogEvents       int
	Telemetry       int
	Items           int
	SkippedLines    int
	Unrouted        int
	Undecodable     int
	Routed          int // telemetry x collectors
	RoutedItems     int
	OutRecords      int
	BytesOut        int
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
	matches []*route.Collector
	buf     []byte
	records []*events.KinesisEventRecord
	retry   []bool // source records to report in BatchItemFailures
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
	shard := shardID(rec.EventID)
	for e := range p.LogEvents {
		le := &p.LogEvents[e]
		b.stats.LogEvents++
		ev := processor.Event{
			Owner: p.Owner, Region: region, LogGroup: p.LogGroup, LogStream: p.LogStream,
			ID: string(le.ID), Time: time.UnixMilli(le.Timestamp), Message: le.Message,
		}
		var outcome processor.Outcome
		b.tel, outcome, err = b.h.opts.Chain.Process(&ev, b.tel[:0])
		switch outcome {
		case processor.Skipped:
			b.stats.SkippedLines++
			continue
		case processor.Undecodable:
			b.undecodable(idx, rec, p.LogGroup, []byte(le.Message), err)
			continue
		}
		for t := range b.tel {
			b.route(idx, &ev, &b.tel[t], shard, rec.Kinesis.SequenceNumber)
		}
	}
}

// route sends one telemetry request to every collector that wants it.
func (b *batch) route(idx int, ev *processor.Event, t *processor.Telemetry, shard, seq string) {
	b.stats.Telemetry++
	b.stats.Items += t.Stats.Items
	b.matches = b.table.Match(b.matches[:0], t.Signal, ev.LogGroup, t.Source)
	if len(b.matches) == 0 {
		b.stats.Unrouted++
		return
	}
	items, err := b.packs.items(ev, t, shard, seq)
	if err != nil {
		b.undecodable(idx, b.records[idx], ev.LogGroup, []byte(ev.Message), err)
		return
	}
	for _, c := range b.matches {
		b.stats.Routed++
		b.stats.RoutedItems += t.Stats.Items
		b.packs.add(idx, c, t, items)
	}
}

// finish closes the open tier-2 records.
func (b *batch) finish() {
	b.packs.finish()
}
