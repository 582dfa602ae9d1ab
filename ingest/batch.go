package ingest

import (
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
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
	Panics          int // source records or log events whose decoding panicked (dead-lettered, also in Undecodable)
	HeadersDropped  int // passed headers dropped for exceeding MaxPassedHeaderBytes
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
	plans   []plan
	made    []made
	buf     []byte
	records []*events.KinesisEventRecord
	retry   []bool // source records to report in BatchItemFailures
}

// plan is the items one collector is to get of one telemetry request.
type plan struct {
	c     *route.Collector
	hdrs  map[string]string
	items []record.Item
}

// made is the items made of one telemetry request for one kind of
// collector (mode and room), shared by every collector of that kind.
type made struct {
	keep  bool
	room  int
	items []record.Item
	err   error
}

// refusal is a collector that cannot take a telemetry request, and why.
type refusal struct {
	c   *route.Collector
	err error
}

// pendingTel is mergeable telemetry waiting for the end of its payload,
// with the event it came from.
type pendingTel struct {
	ev  processor.Event
	tel processor.Telemetry
}

// newBatch returns the state of one invocation of n source records whose
// tier-2 records start at partition bucket start (see newPacker).
func newBatch(h *Handler, table *route.Table, n int, start uint64) *batch {
	return &batch{h: h, table: table, packs: newPacker(h.opts, start), records: make([]*events.KinesisEventRecord, n), retry: make([]bool, n)}
}

// add decodes one source record and routes what it holds. A panic while
// doing so dead-letters the record (see recoverRecord) instead of failing
// the invocation.
func (b *batch) add(idx int, rec *events.KinesisEventRecord) {
	b.records[idx] = rec
	defer b.recoverRecord(idx, rec)
	b.decode(idx, rec)
}

// recoverRecord, deferred, turns a panic while reading source record idx
// into a dead letter of the whole record (reason undecodable, the panic
// value in the error) and a log line with the stack; the rest of the batch
// flows. Telemetry of the record packed before the panic is written too
// (at-least-once: never lost, possibly twice). Panics of the processor
// chain are caught per log event before they get here (process).
func (b *batch) recoverRecord(idx int, rec *events.KinesisEventRecord) {
	v := recover()
	if v == nil {
		return
	}
	b.panicked(rec, "", v, debug.Stack())
	// Drop what the record left half done.
	clear(b.pending)
	b.pending, b.tel, b.matches, b.buf = b.pending[:0], b.tel[:0], b.matches[:0], nil
	clear(b.plans)
	clear(b.made)
	b.plans, b.made = b.plans[:0], b.made[:0]
	b.undecodable(idx, rec, "", rec.Kinesis.Data, fmt.Errorf("panic while reading the record: %v", v))
}

// panicked counts a recovered panic and logs it with its stack.
func (b *batch) panicked(rec *events.KinesisEventRecord, logGroup string, v any, stack []byte) {
	b.stats.Panics++
	if b.stats.Panics <= maxProblemLines {
		b.h.opts.Logger.Error("panic while decoding; the input is dead-lettered (reason undecodable) and the batch goes on",
			"shard_id", shardID(rec.EventID), "seq", rec.Kinesis.SequenceNumber, "log_group", logGroup,
			"panic", fmt.Sprint(v), "stack", string(stack))
	}
}

// process runs the processor chain on ev. A panic in a processor makes
// the event undecodable, with the panic value in the error, so that only
// that event is dead-lettered.
func (b *batch) process(rec *events.KinesisEventRecord, ev *processor.Event) (tel []processor.Telemetry, outcome processor.Outcome, err error) {
	defer func() {
		if v := recover(); v != nil {
			b.panicked(rec, ev.LogGroup, v, debug.Stack())
			tel, outcome, err = b.tel[:0], processor.Undecodable, fmt.Errorf("panic in the processor chain: %v", v)
		}
	}()
	return b.h.opts.Chain.Process(ev, b.tel[:0])
}

// decode decodes one source record and routes what it holds.
func (b *batch) decode(idx int, rec *events.KinesisEventRecord) {
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
		b.tel, outcome, err = b.process(rec, &ev)
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
// Collectors that cannot take a merged request (an item larger than a
// tier-2 record) get its parts instead, so that only the culprit event is
// dead-lettered, and only for them; the others have the merged request.
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
		cs := b.match(first, &m.Telemetry)
		if len(cs) == 0 {
			b.count(&m.Telemetry)
			b.stats.Unrouted++
			continue
		}
		refused := b.deliver(idx, first, &m.Telemetry, shard, seq, cs)
		took := len(refused) < len(cs)
		if took {
			b.count(&m.Telemetry)
		}
		if len(refused) == 0 {
			continue
		}
		only := make([]*route.Collector, len(refused))
		for i, r := range refused {
			only[i] = r.c
		}
		for _, i := range m.From {
			p := &b.pending[i]
			if !took {
				b.count(&p.tel)
			}
			for _, r := range b.deliver(idx, &p.ev, &p.tel, shard, seq, only) {
				b.undecodable(idx, b.records[idx], p.ev.LogGroup, []byte(p.ev.Message), r.err)
			}
		}
	}
	clear(b.pending) // drop the references to the payload's requests
}

// routeOrDeadLetter routes t to every collector that wants it, and
// dead-letters ev once for each of them that cannot take t (an item
// larger than a tier-2 record), naming that collector.
func (b *batch) routeOrDeadLetter(idx int, ev *processor.Event, t *processor.Telemetry, shard, seq string) {
	b.count(t)
	cs := b.match(ev, t)
	if len(cs) == 0 {
		b.stats.Unrouted++
		return
	}
	for _, r := range b.deliver(idx, ev, t, shard, seq, cs) {
		b.undecodable(idx, b.records[idx], ev.LogGroup, []byte(ev.Message), r.err)
	}
}

// count counts t as telemetry read.
func (b *batch) count(t *processor.Telemetry) {
	b.stats.Telemetry++
	b.stats.Items += t.Stats.Items
}

// match returns the collectors that want t: for plain log records the
// collectors that asked for plain logs, for everything else those whose
// match rules take it. The slice is valid until the next call.
func (b *batch) match(ev *processor.Event, t *processor.Telemetry) []*route.Collector {
	if t.PlainLogs {
		b.matches = b.table.PlainLogs(b.matches[:0], ev.LogGroup, t.Source)
	} else {
		b.matches = b.table.Match(b.matches[:0], t.Signal, ev.LogGroup, t.Source)
	}
	return b.matches
}

// deliver packs t for every collector of cs that can take it, in full,
// and returns the others (an item larger than a tier-2 record, with that
// collector's passed headers) with the reason. Items are made for every
// collector before any is packed, so what one collector gets does not
// depend on the others nor on their order. Items for passthrough
// collectors keep the app's gzip; items for collectors whose requests
// export rewrites are S2. Each kind is made once.
func (b *batch) deliver(idx int, ev *processor.Event, t *processor.Telemetry, shard, seq string, cs []*route.Collector) []refusal {
	var refused []refusal
	for _, c := range cs {
		hdrs := b.passed(c, t)
		keep := c.Passthrough()
		room := b.packs.max - b.packs.head(c.Name, t.Signal, hdrs)
		k := slices.IndexFunc(b.made, func(m made) bool { return m.keep == keep && m.room == room })
		if k < 0 {
			items, err := b.packs.items(ev, t, shard, seq, keep, room, headerBytes(hdrs))
			b.made = append(b.made, made{keep: keep, room: room, items: items, err: err})
			k = len(b.made) - 1
		}
		if err := b.made[k].err; err != nil {
			refused = append(refused, refusal{c: c, err: fmt.Errorf("collector %q: %w", c.Name, err)})
			continue
		}
		b.plans = append(b.plans, plan{c: c, hdrs: hdrs, items: b.made[k].items})
	}
	for _, pl := range b.plans {
		b.stats.Routed++
		b.stats.RoutedItems += t.Stats.Items
		b.packs.routed[pl.c.Name] += t.Stats.Items
		b.packs.add(idx, pl.c, t.Signal, pl.hdrs, pl.items)
	}
	clear(b.plans)
	clear(b.made)
	b.plans, b.made = b.plans[:0], b.made[:0]
	return refused
}

// passed returns the headers of t that collector c may receive, counting
// and logging (by name, never value) those dropped for size.
func (b *batch) passed(c *route.Collector, t *processor.Telemetry) map[string]string {
	hdrs, dropped := passed(c, t.Headers)
	for _, name := range dropped {
		b.stats.HeadersDropped++
		if b.stats.HeadersDropped <= maxProblemLines {
			b.h.opts.Logger.Warn(fmt.Sprintf("passed header dropped: the headers passed on with one request may take at most %d bytes", MaxPassedHeaderBytes),
				"collector", c.Name, "header", name, "value_bytes", len(headerValue(t.Headers, name)), "max_bytes", MaxPassedHeaderBytes)
		}
	}
	return hdrs
}

// headerValue returns the value of header name (lower case) in h, in any
// case.
func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// headerBytes is the size of the header block of a record with headers h.
func headerBytes(h map[string]string) int {
	if len(h) == 0 {
		return 0
	}
	return record.HeadSize(&record.Record{Headers: h}) - record.HeadSize(&record.Record{})
}

// finish closes the open tier-2 records.
func (b *batch) finish() {
	b.packs.finish()
}
