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

// request is one OTLP/HTTP request ready to send.
type request struct {
	// raw is the request as uncompressed protobuf, for the DLQ; nil when
	// body holds gzip members that can be inflated on failure instead.
	raw   []byte
	body  []byte
	items int
}

// badItem is a tier-2 item whose payload could not be read.
type badItem struct {
	e   entry
	err error
}

// build turns a group's items into requests for collector c.
func build(c *route.Collector, g *group) ([]request, []badItem, error) {
	if passthrough(c) {
		return buildPassthrough(c, g), nil, nil
	}
	return buildMerged(c, g)
}

// passthrough reports whether c takes the applications' gzip bytes as they
// are: protobuf, gzip, and the collector asked for it.
func passthrough(c *route.Collector) bool {
	return c.Mode == route.ModePassthrough && c.Compression == route.CompressionGzip && c.Encoding == route.EncodingProtobuf
}

// buildPassthrough concatenates gzip members (a valid gzip stream holding
// the concatenated requests, itself a valid request) up to the collector's
// limit on the inflated size.
func buildPassthrough(c *route.Collector, g *group) []request {
	var out []request
	var cur request
	size := 0
	for _, e := range g.entries {
		it := e.item
		if len(cur.body) > 0 && size+it.RawSize > c.MaxRequestBytes {
			out = append(out, cur)
			cur, size = request{}, 0
		}
		if it.Encoding == record.Gzip {
			cur.body = append(cur.body, it.Payload...)
		} else {
			cur.body = compress.Gzip(cur.body, it.Payload, compress.DefaultLevel)
		}
		cur.items += it.Items
		size += it.RawSize
	}
	if len(cur.body) > 0 {
		out = append(out, cur)
	}
	return out
}

// buildMerged inflates every item, adds the AWS resource attributes, merges
// identical resources and scopes, splits to the collector's limit and
// encodes and compresses each part.
func buildMerged(c *route.Collector, g *group) ([]request, []badItem, error) {
	raws := make([][]byte, 0, len(g.entries))
	var bad []badItem
	for _, e := range g.entries {
		raw, err := inflate(e.item)
		if err == nil {
			_, err = otlp.Scan(g.signal, raw)
		}
		if err != nil {
			bad = append(bad, badItem{e: e, err: err})
			continue
		}
		it := e.item
		raws = append(raws, otlp.Enrich(g.signal, raw, otlp.AWSResource(it.Owner, it.Region, it.LogGroup, it.LogStream)))
	}
	if len(raws) == 0 {
		return nil, bad, nil
	}
	batches, err := otlp.Merge(g.signal, raws, c.MaxRequestBytes)
	if err != nil {
		return nil, bad, fmt.Errorf("merge %s for collector %s: %w", g.signal, c.Name, err)
	}
	out := make([]request, 0, len(batches))
	for _, bt := range batches {
		body, err := encode(c, g.signal, bt.Data)
		if err != nil {
			return nil, bad, err
		}
		out = append(out, request{raw: bt.Data, body: body, items: bt.Items})
	}
	return out, bad, nil
}

// inflate returns an item's payload uncompressed.
func inflate(it *record.Item) ([]byte, error) {
	if it.Encoding == record.Identity {
		return it.Payload, nil
	}
	hint := it.RawSize
	if hint <= 0 || hint > maxItemInflated {
		hint = 0
	}
	return compress.Gunzip(make([]byte, 0, hint), it.Payload, maxItemInflated)
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
		return compress.Gzip(nil, data, compress.DefaultLevel), nil
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
