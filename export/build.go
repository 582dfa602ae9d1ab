package export

import (
	"fmt"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// maxItemInflated bounds one tier-2 payload once inflated.
const maxItemInflated = 64 << 20

// request is one OTLP/HTTP request.
type request struct {
	// raw is the request as uncompressed protobuf; nil when body holds
	// gzip members that can be inflated on failure instead.
	raw []byte
	// body is what goes on the wire; nil until encoded from raw.
	body  []byte
	items int
	// entries, for a passthrough request, are the items it concatenates,
	// so that a body that does not inflate can be dead-lettered item by
	// item. Nil for merged requests, and once mixed.
	entries []entry
	// mixed: the request holds parts of a split item, so entries cannot
	// stand for it.
	mixed bool
}

// badItem is a tier-2 item whose payload could not be read.
type badItem struct {
	e   entry
	err error
}

// build turns a group's items into requests for collector c.
func build(c *route.Collector, g *group) ([]request, []badItem, error) {
	if c.Passthrough() {
		return buildPassthrough(c, g)
	}
	return buildMerged(c, g)
}

// buildPassthrough concatenates gzip members (a valid gzip stream holding
// the concatenated requests, itself a valid request) up to the collector's
// limit on the inflated size, as the records give it. Gzip members are not
// inflated: that is the point of passthrough (inflating each one to check
// it made this path ten times slower), and ingest inflated and scanned
// each before writing it. Should a member be damaged all the same, the
// collector refuses the request and deadRequest sorts the items out one by
// one. Items stored otherwise (written while the collector was in merge
// mode) are inflated and gzipped on the way. An item larger than the
// limit on its own is split (otlp.Split) and its parts gzipped anew: sent
// whole, it would be refused every time.
func buildPassthrough(c *route.Collector, g *group) ([]request, []badItem, error) {
	var out []request
	var cur request
	var bad []badItem
	var scratch []byte
	size := 0
	// room makes room for n more inflated bytes in the current request.
	room := func(n int) {
		if len(cur.body) > 0 && size+n > c.MaxRequestBytes {
			out = append(out, cur)
			cur, size = request{}, 0
		}
	}
	for _, e := range g.entries {
		it := e.item
		if it.Encoding == record.Gzip && it.RawSize > 0 && it.RawSize <= c.MaxRequestBytes {
			room(it.RawSize)
			cur.body = append(cur.body, it.Payload...)
			cur.items += it.Items
			cur.entries = append(cur.entries, e)
			size += it.RawSize
			continue
		}
		raw, err := inflateInto(scratch[:0], it)
		if err != nil {
			bad = append(bad, badItem{e: e, err: err})
			continue
		}
		if it.Encoding != record.Identity {
			scratch = raw // an identity payload is the record's own bytes
		}
		if parts := splitItem(g.signal, raw, it.Items, c.MaxRequestBytes); parts != nil {
			for _, p := range parts {
				room(len(p.Data))
				cur.body = compress.Gzip(cur.body, p.Data, compress.DefaultLevel)
				cur.items += p.Items
				size += len(p.Data)
				// The parts of one item share its entry: the request
				// cannot be dead-lettered item by item.
				cur.mixed = true
			}
			continue
		}
		room(len(raw))
		cur.body = compress.Gzip(cur.body, raw, compress.DefaultLevel)
		cur.items += it.Items
		cur.entries = append(cur.entries, e)
		size += len(raw)
	}
	if len(cur.body) > 0 {
		out = append(out, cur)
	}
	return out, bad, nil
}

// splitItem splits one inflated item larger than maxBytes into parts that
// fit. It returns nil when the item fits, or cannot be split (one span
// larger than the limit, or not a request Split can read): it is then sent
// whole, and the collector's answer decides. Parts whose items do not add
// up to the record's count are not used either, so that the batch's
// counters still add up.
func splitItem(sig otlp.Signal, raw []byte, items, maxBytes int) []otlp.Batch {
	if maxBytes <= 0 || len(raw) <= maxBytes {
		return nil
	}
	parts, err := otlp.Split(sig, raw, maxBytes)
	if err != nil || len(parts) < 2 {
		return nil
	}
	n := 0
	for _, p := range parts {
		n += p.Items
	}
	if n != items {
		return nil
	}
	return parts
}

// buildMerged inflates every item, adds the AWS resource attributes, merges
// identical resources and scopes, splits to the collector's limit and
// encodes and compresses each part. The enriched requests are built in one
// buffer. Items are not re-validated: ingest scanned them before writing
// the tier-2 record, gzip's checksum guards them since, and Merge checks
// the structure down to the items.
func buildMerged(c *route.Collector, g *group) ([]request, []badItem, error) {
	size := 0
	for _, e := range g.entries {
		size += e.item.RawSize + enrichSlack
	}
	arena := make([]byte, 0, size)
	ends := make([]int, 0, len(g.entries))
	var bad []badItem
	var scratch []byte
	for _, e := range g.entries {
		it := e.item
		raw, err := inflateInto(scratch[:0], it)
		if err != nil {
			bad = append(bad, badItem{e: e, err: err})
			continue
		}
		if it.Encoding != record.Identity {
			scratch = raw
		}
		arena = otlp.AppendEnrich(arena, g.signal, raw, otlp.AWSResource(it.Owner, it.Region, it.LogGroup, it.LogStream))
		ends = append(ends, len(arena))
	}
	if len(ends) == 0 {
		return nil, bad, nil
	}
	raws := make([][]byte, len(ends))
	start := 0
	for i, end := range ends {
		raws[i] = arena[start:end:end]
		start = end
	}
	batches, err := otlp.Merge(g.signal, raws, c.MaxRequestBytes)
	if err != nil {
		return nil, bad, fmt.Errorf("merge %s for collector %s: %w", g.signal, c.Name, err)
	}
	out := make([]request, 0, len(batches))
	for _, bt := range batches {
		// Encoded and compressed when sent, one at a time, so that a batch
		// never holds every body at once.
		out = append(out, request{raw: bt.Data, items: bt.Items})
	}
	return out, bad, nil
}

// enrichSlack is room per item for the resource attributes Enrich adds.
const enrichSlack = 512

// inflate returns an item's payload uncompressed.
func inflate(it *record.Item) ([]byte, error) {
	hint := it.RawSize
	if hint <= 0 || hint > maxItemInflated {
		hint = 0
	}
	return inflateInto(make([]byte, 0, hint), it)
}

// inflateInto appends an item's payload uncompressed to dst; an identity
// payload is returned as it is.
func inflateInto(dst []byte, it *record.Item) ([]byte, error) {
	return it.AppendRaw(dst, maxItemInflated)
}

// encode encodes a protobuf request for c: as OTLP/JSON when it asks, then
// compressed.
func encode(c *route.Collector, sig otlp.Signal, raw []byte) ([]byte, error) {
	data := raw
	if c.Encoding == route.EncodingJSON {
		js, err := otlp.MarshalJSON(sig, raw)
		if err != nil {
			return nil, fmt.Errorf("encode %s as OTLP/JSON for collector %s: %w", sig, c.Name, err)
		}
		data = js
	}
	switch c.Compression {
	case route.CompressionGzip:
		return compress.Gzip(make([]byte, 0, len(data)/4+64), data, compress.DefaultLevel), nil
	case route.CompressionZstd:
		return compress.Zstd(nil, data)
	}
	return data, nil
}

// contentType and contentEncoding are the headers for c's requests.
func contentType(c *route.Collector) string {
	if c.Encoding == route.EncodingJSON {
		return "application/json"
	}
	return "application/x-protobuf"
}

func contentEncoding(c *route.Collector) string {
	switch c.Compression {
	case route.CompressionGzip:
		return "gzip"
	case route.CompressionZstd:
		return "zstd"
	}
	return ""
}
