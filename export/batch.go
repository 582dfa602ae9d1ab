package export

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// Stats counts what one batch held and what became of it. Items are spans,
// metric data points or log records.
type Stats struct {
	Records         int
	BytesIn         int
	Undecodable     int
	Items           int
	Requests        int
	BytesOut        int
	Delivered       int
	PartialRejected int64
	DeadLettered    int
	DeadReasons     map[dlq.Reason]int
	DeadLetters     int
	DeadLetterFails int
	Attempts        int
	Waited          time.Duration
	Collectors      map[string]*CollectorStats
	Failed          int
	Duration        time.Duration
}

// CollectorStats counts one collector's share of a batch.
type CollectorStats struct {
	Items        int
	Requests     int
	Delivered    int
	DeadLettered int
	CircuitOpen  bool
}

// entry is one tier-2 item and the source record it came in.
type entry struct {
	rec  int
	item *record.Item
}

// group is the items of one collector, signal and set of passed headers.
type group struct {
	collector string
	signal    otlp.Signal
	headers   map[string]string
	entries   []entry
}

// batch is the state of one invocation.
type batch struct {
	h      *Handler
	table  *route.Table
	ev     events.KinesisEvent
	groups []*group
	dead   []deadLetter
	retry  []bool
	stats  Stats
}

func newBatch(h *Handler, table *route.Table, ev events.KinesisEvent) *batch {
	return &batch{h: h, table: table, ev: ev, retry: make([]bool, len(ev.Records)),
		stats: Stats{DeadReasons: map[dlq.Reason]int{}, Collectors: map[string]*CollectorStats{}}}
}

// run decodes, delivers and dead-letters the batch.
func (b *batch) run(ctx context.Context) {
	b.decode()
	sendCtx := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		sendCtx, cancel = context.WithDeadline(ctx, dl.Add(-b.h.opts.Margin))
		defer cancel()
	}
	results := make([]groupResult, len(b.groups))
	sem := make(chan struct{}, b.h.opts.MaxInFlight)
	var wg sync.WaitGroup
	for i, g := range b.groups {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = b.deliver(sendCtx, g)
		}()
	}
	wg.Wait()
	for i := range results {
		b.merge(b.groups[i], &results[i])
	}
	b.writeDead(ctx)
}

// decode parses every record and groups its items.
func (b *batch) decode() {
	index := map[string]*group{}
	for i := range b.ev.Records {
		data := b.ev.Records[i].Kinesis.Data
		b.stats.Records++
		b.stats.BytesIn += len(data)
		rec, err := record.Unmarshal(data)
		if err != nil {
			b.undecodable(i, data, err)
			continue
		}
		hk := record.HeaderKey(rec.Headers)
		key := rec.Collector + "\x00" + rec.Signal.String() + "\x00" + hk
		g := index[key]
		if g == nil {
			g = &group{collector: rec.Collector, signal: rec.Signal, headers: rec.Headers}
			index[key] = g
			b.groups = append(b.groups, g)
		}
		for j := range rec.Items {
			g.entries = append(g.entries, entry{rec: i, item: &rec.Items[j]})
			b.stats.Items += rec.Items[j].Items
		}
	}
	sort.SliceStable(b.groups, func(i, j int) bool { return b.groups[i].collector < b.groups[j].collector })
}

// merge folds one group's result into the batch.
func (b *batch) merge(g *group, r *groupResult) {
	cs := b.stats.Collectors[g.collector]
	if cs == nil {
		cs = &CollectorStats{}
		b.stats.Collectors[g.collector] = cs
	}
	for _, e := range g.entries {
		cs.Items += e.item.Items
	}
	cs.Requests += r.requests
	cs.Delivered += r.delivered
	cs.CircuitOpen = cs.CircuitOpen || r.circuitOpen
	b.stats.Requests += r.requests
	b.stats.BytesOut += r.bytesOut
	b.stats.Delivered += r.delivered
	b.stats.PartialRejected += r.rejected
	b.stats.Attempts += r.attempts
	b.stats.Waited += r.waited
	for _, d := range r.dead {
		cs.DeadLettered += d.items
		b.stats.DeadLettered += d.items
		b.stats.DeadReasons[d.reason] += d.items
	}
	b.dead = append(b.dead, r.dead...)
}
