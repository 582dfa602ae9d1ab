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

// packKey identifies the tier-2 record a payload belongs in.
type packKey struct {
	collector string
	signal    otlp.Signal
	headers   string
}

// pack is one tier-2 record being filled.
type pack struct {
	rec     record.Record
	size    int
	key     string // partition key
	sources []int  // indexes of the source records it holds data of
}

// packer fills tier-2 records per (collector, signal, passed headers), each
// up to the record size limit.
type packer struct {
	max     int
	buckets int
	open    map[packKey]*pack
	done    []*pack
	next    map[string]int
	routed  map[string]int // items routed to each collector
}

func newPacker(opts Options) packer {
	return packer{max: opts.MaxRecordBytes, buckets: opts.PartitionBuckets, open: map[packKey]*pack{}, next: map[string]int{}, routed: map[string]int{}}
}

// items turns one telemetry request into tier-2 items, split on OTLP
// boundaries when one item would not fit a record. For a passthrough
// collector (keep) the payload is the application's own gzip bytes when it
// sent gzip, else gzip; otherwise it is S2, which export inflates about
// ten times faster than gzip before it rewrites the request.
func (p *packer) items(ev *processor.Event, t *processor.Telemetry, shard, seq string, keep bool) ([]record.Item, error) {
	base := record.Item{
		Source: t.Source, LogGroup: ev.LogGroup, LogStream: ev.LogStream, Owner: ev.Owner,
		Region: ev.Region, Shard: shard, Seq: seq, Time: ev.Time,
	}
	one := base
	fill(&one, t.Proto, t.Gzip, t.Stats.Items, keep)
	// Room for the head of a record: collector name, headers and the fixed fields.
	limit := p.max - 2048
	if record.ItemSize(&one) <= limit {
		return []record.Item{one}, nil
	}
	parts, err := otlp.Split(t.Signal, t.Proto, limit-1024)
	if err != nil {
		return nil, fmt.Errorf("split %d-byte %s request: %w", len(t.Proto), t.Signal, err)
	}
	out := make([]record.Item, 0, len(parts))
	for _, part := range parts {
		it := base
		fill(&it, part.Data, nil, part.Items, keep)
		if record.ItemSize(&it) > limit {
			return nil, fmt.Errorf("one %s item of %d bytes is larger than a tier-2 record (%d bytes): raise OTLPFWD_MAX_RECORD_BYTES", t.Signal, len(part.Data), p.max)
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

// add puts items for collector c into its open record, closing records as
// they fill.
func (p *packer) add(src int, c *route.Collector, t *processor.Telemetry, items []record.Item) {
	p.routed[c.Name] += t.Stats.Items
	hdrs := passed(c, t.Headers)
	key := packKey{collector: c.Name, signal: t.Signal, headers: record.HeaderKey(hdrs)}
	for i := range items {
		it := &items[i]
		n := record.ItemSize(it)
		pk := p.open[key]
		if pk != nil && pk.size+n > p.max {
			p.done = append(p.done, pk)
			pk = nil
		}
		if pk == nil {
			pk = &pack{rec: record.Record{Collector: c.Name, Signal: t.Signal, Headers: hdrs}}
			pk.key = c.Name + "#" + strconv.Itoa(p.next[c.Name]%p.buckets)
			p.next[c.Name]++
			pk.size = record.HeadSize(&pk.rec) + len(pk.key) + 8 // created_ms
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

// passed returns the record headers collector c allows, or nil.
func passed(c *route.Collector, h map[string]string) map[string]string {
	if len(h) == 0 || len(c.PassHeaders) == 0 {
		return nil
	}
	var out map[string]string
	for k, v := range h {
		for _, allowed := range c.PassHeaders {
			if strings.EqualFold(k, allowed) {
				if out == nil {
					out = map[string]string{}
				}
				out[strings.ToLower(k)] = v
				break
			}
		}
	}
	return out
}
