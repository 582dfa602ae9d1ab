package ingest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/processor"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// minGzip is the smallest payload worth compressing.
const minGzip = 512

// Bounds of a tier-2 record.
const (
	// MaxRecordLimit is the largest MaxRecordBytes: Kinesis' 1 MiB record
	// limit, which counts the partition key with the data, less the longest
	// partition key Kinesis accepts (256 bytes).
	MaxRecordLimit = 1<<20 - 256
	// MinRecordBytes is the smallest MaxRecordBytes.
	MinRecordBytes = 64 << 10
	// MaxPassedHeaderBytes bounds the headers passed on with one record
	// (names plus values); a header that would exceed it is dropped, with
	// a warning that names it.
	MaxPassedHeaderBytes = 8 << 10
)

// Sizes that a record's head is budgeted at whatever the collector, so
// that items made once serve every collector of the same mode and headers.
const (
	// nameBudget is the collector name length budgeted (route allows 64).
	nameBudget = 64
	// createdBudget is the largest created_ms field: tag and a 64-bit varint.
	createdBudget = 1 + 10
	// itemMetaBudget is room for an item's fields besides its payload when
	// a request is split.
	itemMetaBudget = 1024
)

// packKey identifies the tier-2 record a payload belongs in.
type packKey struct {
	collector string
	signal    otlp.Signal
	headers   string
}

// pack is one tier-2 record being filled.
type pack struct {
	rec     record.Record
	size    int    // encoded size plus partition key
	key     string // partition key
	sources []int  // indexes of the source records it holds data of
}

// packer fills tier-2 records per (collector, signal, passed headers), each
// up to the record size limit, partition key included.
type packer struct {
	max       int
	buckets   uint64
	keyDigits int    // digits of the largest bucket number
	start     uint64 // bucket of each collector's first record
	open      map[packKey]*pack
	done      []*pack
	next      map[string]uint64
	routed    map[string]int // items routed to each collector
}

// newPacker returns a packer whose first record of each collector goes to
// bucket start (modulo the bucket count): the Handler moves it on every
// invocation, so that the first records of many invocations spread over the
// buckets instead of all landing in bucket 0.
func newPacker(opts Options, start uint64) packer {
	return packer{
		max: opts.MaxRecordBytes, buckets: uint64(opts.PartitionBuckets), keyDigits: len(strconv.Itoa(opts.PartitionBuckets - 1)),
		start: start, open: map[packKey]*pack{}, next: map[string]uint64{}, routed: map[string]int{},
	}
}

// head is the room a record of collector name with passed headers hdrs
// takes besides its items, its partition key included. Names shorter than
// nameBudget are counted at nameBudget, so that every collector with the
// same headers gets the same room.
func (p *packer) head(name string, sig otlp.Signal, hdrs map[string]string) int {
	pad := max(0, nameBudget-len(name))
	n := record.HeadSize(&record.Record{Collector: name, Signal: sig, Headers: hdrs}) + pad + createdBudget
	return n + len(name) + pad + 1 + p.keyDigits // partition key: name#bucket
}

// tooLargeError is an item that does not fit a tier-2 record even alone.
type tooLargeError struct {
	signal      otlp.Signal
	size, limit int // the item plus its record's head, and the limit
	headers     int // bytes of passed headers in size
}

func (e *tooLargeError) Error() string {
	msg := fmt.Sprintf("a %s item is too large for a Kinesis record (%d bytes > %d): split the export on the application side or reduce pass_headers", e.signal, e.size, e.limit)
	if e.headers > 0 {
		msg += fmt.Sprintf(" (the passed headers take %d bytes)", e.headers)
	}
	if e.limit < MaxRecordLimit {
		msg += fmt.Sprintf(", or raise %s (at most %d)", EnvMaxRecordBytes, MaxRecordLimit)
	}
	return msg
}

// items turns one telemetry request into tier-2 items of at most room
// bytes each (see head), split on OTLP boundaries when one item would not
// fit. An item that cannot be made to fit (one span, data point or log
// record too large) is a *tooLargeError. For a passthrough collector
// (keep) the payload is the application's own gzip bytes when it sent
// gzip, else gzip; otherwise it is S2, which export inflates about ten
// times faster than gzip before it rewrites the request.
func (p *packer) items(ev *processor.Event, t *processor.Telemetry, shard, seq string, keep bool, room, headers int) ([]record.Item, error) {
	base := record.Item{
		Source: t.Source, LogGroup: ev.LogGroup, LogStream: ev.LogStream, Owner: ev.Owner,
		Region: ev.Region, Shard: shard, Seq: seq, Time: ev.Time,
	}
	one := base
	fill(&one, t.Proto, t.Gzip, t.Stats.Items, keep)
	if record.ItemSize(&one) <= room {
		return []record.Item{one}, nil
	}
	parts, err := otlp.Split(t.Signal, t.Proto, room-itemMetaBudget)
	if err != nil {
		return nil, fmt.Errorf("split %d-byte %s request: %w", len(t.Proto), t.Signal, err)
	}
	out := make([]record.Item, 0, len(parts))
	for _, part := range parts {
		it := base
		fill(&it, part.Data, nil, part.Items, keep)
		if n := record.ItemSize(&it); n > room {
			return nil, &tooLargeError{signal: t.Signal, size: n + p.max - room, limit: p.max, headers: headers}
		}
		out = append(out, it)
	}
	return out, nil
}

// fill sets the payload of it. For keep: gz when given, else raw gzipped
// when that pays, else raw. Otherwise: raw S2-compressed when that pays,
// else raw.
func fill(it *record.Item, raw, gz []byte, items int, keep bool) {
	it.RawSize = len(raw)
	it.Items = items
	switch {
	case !keep:
		if z := compress.S2(nil, raw); len(z) < len(raw) {
			it.Payload, it.Encoding = z, record.S2
			return
		}
		it.Payload, it.Encoding = raw, record.Identity
	case gz != nil:
		it.Payload, it.Encoding = gz, record.Gzip
	case len(raw) >= minGzip:
		if z := compress.Gzip(nil, raw, compress.DefaultLevel); len(z) < len(raw) {
			it.Payload, it.Encoding = z, record.Gzip
			return
		}
		fallthrough
	default:
		it.Payload, it.Encoding = raw, record.Identity
	}
}

// add puts items for collector c, with passed headers hdrs, into its open
// record, closing records as they fill. Items made by items for the room
// head leaves always fit a fresh record.
func (p *packer) add(src int, c *route.Collector, sig otlp.Signal, hdrs map[string]string, items []record.Item) {
	key := packKey{collector: c.Name, signal: sig, headers: record.HeaderKey(hdrs)}
	for i := range items {
		it := &items[i]
		n := record.ItemSize(it)
		pk := p.open[key]
		if pk != nil && pk.size+n > p.max {
			p.done = append(p.done, pk)
			pk = nil
		}
		if pk == nil {
			pk = &pack{rec: record.Record{Collector: c.Name, Signal: sig, Headers: hdrs}}
			pk.key = c.Name + "#" + strconv.FormatUint((p.start+p.next[c.Name])%p.buckets, 10)
			p.next[c.Name]++
			pk.size = record.HeadSize(&pk.rec) + len(pk.key) + createdBudget
			p.open[key] = pk
		}
		pk.rec.Items = append(pk.rec.Items, *it)
		pk.size += n
		if k := len(pk.sources); k == 0 || pk.sources[k-1] != src {
			pk.sources = append(pk.sources, src)
		}
	}
}

// finish moves every open record to done, in a stable order.
func (p *packer) finish() {
	keys := make([]packKey, 0, len(p.open))
	for k := range p.open {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.collector != b.collector {
			return a.collector < b.collector
		}
		if a.signal != b.signal {
			return a.signal < b.signal
		}
		return a.headers < b.headers
	})
	for _, k := range keys {
		p.done = append(p.done, p.open[k])
	}
	clear(p.open)
}

// passed returns the record headers collector c allows, or nil, at most
// MaxPassedHeaderBytes of them (names and values, in name order), and the
// names of the allowed headers dropped for exceeding that.
func passed(c *route.Collector, h map[string]string) (out map[string]string, dropped []string) {
	if len(h) == 0 || len(c.PassHeaders) == 0 {
		return nil, nil
	}
	var names []string
	for k := range h {
		for _, allowed := range c.PassHeaders {
			if strings.EqualFold(k, allowed) {
				names = append(names, k)
				break
			}
		}
	}
	sort.Strings(names)
	size := 0
	for _, k := range names {
		v, lk := h[k], strings.ToLower(k)
		if _, dup := out[lk]; dup {
			continue // the same name in another case: the first in name order wins
		}
		if size+len(k)+len(v) > MaxPassedHeaderBytes {
			dropped = append(dropped, lk)
			continue
		}
		size += len(k) + len(v)
		if out == nil {
			out = map[string]string{}
		}
		out[lk] = v
	}
	return out, dropped
}
