package record

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"google.golang.org/protobuf/encoding/protowire"
)

// Version is the format version written by Marshal.
const Version = 1

var magic = [3]byte{'O', 'T', 'F'}

// HeaderSize is the size of the fixed header before the fields.
const HeaderSize = 4

// Encoding says how an item's payload is compressed.
type Encoding uint8

const (
	Identity Encoding = 0
	Gzip     Encoding = 1
	// S2 is a klauspost/compress S2 block: what ingest writes for
	// collectors whose requests export rewrites (merge mode), because it
	// inflates about ten times faster than gzip.
	S2 Encoding = 2
)

// Record is the payloads of one collector and one signal.
type Record struct {
	Collector string
	Signal    otlp.Signal
	Headers   map[string]string
	Created   time.Time
	Items     []Item
}

// Item is one OTLP export request and where it came from.
type Item struct {
	Payload   []byte
	Encoding  Encoding
	RawSize   int
	Items     int
	Source    string
	LogGroup  string
	LogStream string
	Owner     string
	Region    string
	Shard     string
	Seq       string
	Time      time.Time
}

// Field numbers.
const (
	fCollector = 1
	fSignal    = 2
	fItem      = 3
	fHeader    = 4
	fCreated   = 5

	fPayload   = 1
	fEncoding  = 2
	fRawSize   = 3
	fItems     = 4
	fSource    = 5
	fLogGroup  = 6
	fLogStream = 7
	fOwner     = 8
	fRegion    = 9
	fShard     = 10
	fSeq       = 11
	fTime      = 12
)

// IsRecord reports whether b starts with the tier-2 header.
func IsRecord(b []byte) bool {
	return len(b) >= HeaderSize && b[0] == magic[0] && b[1] == magic[1] && b[2] == magic[2]
}

// HeadSize is the encoded size of everything but the items.
func HeadSize(r *Record) int {
	n := HeaderSize + strSize(fCollector, r.Collector) + varintSize(fSignal, uint64(r.Signal))
	for k, v := range r.Headers {
		n += protowire.SizeTag(fHeader) + protowire.SizeBytes(strSize(1, k)+strSize(2, v))
	}
	if !r.Created.IsZero() {
		n += varintSize(fCreated, uint64(r.Created.UnixMilli()))
	}
	return n
}

// ItemSize is the encoded size of one item, including its tag and length.
func ItemSize(it *Item) int {
	return protowire.SizeTag(fItem) + protowire.SizeBytes(itemBody(it))
}

func itemBody(it *Item) int {
	n := protowire.SizeTag(fPayload) + protowire.SizeBytes(len(it.Payload))
	n += varintSize(fEncoding, uint64(it.Encoding)) + varintSize(fRawSize, uint64(it.RawSize)) + varintSize(fItems, uint64(it.Items))
	n += strSize(fSource, it.Source) + strSize(fLogGroup, it.LogGroup) + strSize(fLogStream, it.LogStream)
	n += strSize(fOwner, it.Owner) + strSize(fRegion, it.Region) + strSize(fShard, it.Shard) + strSize(fSeq, it.Seq)
	if !it.Time.IsZero() {
		n += varintSize(fTime, uint64(it.Time.UnixMilli()))
	}
	return n
}

// Size is the encoded size of the whole record.
func Size(r *Record) int {
	n := HeadSize(r)
	for i := range r.Items {
		n += ItemSize(&r.Items[i])
	}
	return n
}

func strSize(num protowire.Number, s string) int {
	if s == "" {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeBytes(len(s))
}

func varintSize(num protowire.Number, v uint64) int {
	if v == 0 {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeVarint(v)
}

// Marshal appends the encoding of r to dst.
func Marshal(dst []byte, r *Record) []byte {
	dst = append(dst, magic[0], magic[1], magic[2], Version)
	dst = appendString(dst, fCollector, r.Collector)
	dst = appendVarint(dst, fSignal, uint64(r.Signal))
	keys := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := r.Headers[k]
		dst = protowire.AppendTag(dst, fHeader, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(strSize(1, k)+strSize(2, v)))
		dst = appendString(dst, 1, k)
		dst = appendString(dst, 2, v)
	}
	if !r.Created.IsZero() {
		dst = appendVarint(dst, fCreated, uint64(r.Created.UnixMilli()))
	}
	for i := range r.Items {
		dst = AppendItem(dst, &r.Items[i])
	}
	return dst
}

// AppendItem appends one encoded item (tag, length and body) to dst; a
// record's bytes may be built as Marshal of the head plus AppendItem calls.
func AppendItem(dst []byte, it *Item) []byte {
	dst = protowire.AppendTag(dst, fItem, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(itemBody(it)))
	dst = protowire.AppendTag(dst, fPayload, protowire.BytesType)
	dst = protowire.AppendBytes(dst, it.Payload)
	dst = appendVarint(dst, fEncoding, uint64(it.Encoding))
	dst = appendVarint(dst, fRawSize, uint64(it.RawSize))
	dst = appendVarint(dst, fItems, uint64(it.Items))
	dst = appendString(dst, fSource, it.Source)
	dst = appendString(dst, fLogGroup, it.LogGroup)
	dst = appendString(dst, fLogStream, it.LogStream)
	dst = appendString(dst, fOwner, it.Owner)
	dst = appendString(dst, fRegion, it.Region)
	dst = appendString(dst, fShard, it.Shard)
	dst = appendString(dst, fSeq, it.Seq)
	if !it.Time.IsZero() {
		dst = appendVarint(dst, fTime, uint64(it.Time.UnixMilli()))
	}
	return dst
}

func appendString(dst []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return dst
	}
	dst = protowire.AppendTag(dst, num, protowire.BytesType)
	return protowire.AppendString(dst, s)
}

func appendVarint(dst []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return dst
	}
	dst = protowire.AppendTag(dst, num, protowire.VarintType)
	return protowire.AppendVarint(dst, v)
}

// Unmarshal decodes a record. Item payloads alias b.
func Unmarshal(b []byte) (*Record, error) {
	if !IsRecord(b) {
		return nil, errors.New("tier-2 record: bad header (not written by otlpfwd ingest)")
	}
	if b[3] != Version {
		return nil, fmt.Errorf("tier-2 record: version %d not supported (this build reads %d): deploy matching ingest and export", b[3], Version)
	}
	r := &Record{}
	err := fields(b[HeaderSize:], func(num protowire.Number, typ protowire.Type, v uint64, p []byte) error {
		switch {
		case num == fCollector && typ == protowire.BytesType:
			r.Collector = string(p)
		case num == fSignal && typ == protowire.VarintType:
			r.Signal = otlp.Signal(v)
		case num == fCreated && typ == protowire.VarintType:
			r.Created = time.UnixMilli(int64(v))
		case num == fHeader && typ == protowire.BytesType:
			var k, val string
			if err := fields(p, func(n protowire.Number, t protowire.Type, _ uint64, s []byte) error {
				if t == protowire.BytesType && n == 1 {
					k = string(s)
				} else if t == protowire.BytesType && n == 2 {
					val = string(s)
				}
				return nil
			}); err != nil {
				return fmt.Errorf("header: %w", err)
			}
			if r.Headers == nil {
				r.Headers = map[string]string{}
			}
			r.Headers[k] = val
		case num == fItem && typ == protowire.BytesType:
			it, err := unmarshalItem(p)
			if err != nil {
				return fmt.Errorf("item %d: %w", len(r.Items), err)
			}
			r.Items = append(r.Items, it)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tier-2 record: %w", err)
	}
	if r.Collector == "" {
		return nil, errors.New("tier-2 record: no collector")
	}
	if !r.Signal.Valid() {
		return nil, fmt.Errorf("tier-2 record: unknown signal %d", r.Signal)
	}
	return r, nil
}

func unmarshalItem(b []byte) (Item, error) {
	var it Item
	err := fields(b, func(num protowire.Number, typ protowire.Type, v uint64, p []byte) error {
		if typ == protowire.VarintType {
			switch num {
			case fEncoding:
				it.Encoding = Encoding(v)
			case fRawSize:
				it.RawSize = int(v)
			case fItems:
				it.Items = int(v)
			case fTime:
				it.Time = time.UnixMilli(int64(v))
			}
			return nil
		}
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case fPayload:
			it.Payload = p
		case fSource:
			it.Source = string(p)
		case fLogGroup:
			it.LogGroup = string(p)
		case fLogStream:
			it.LogStream = string(p)
		case fOwner:
			it.Owner = string(p)
		case fRegion:
			it.Region = string(p)
		case fShard:
			it.Shard = string(p)
		case fSeq:
			it.Seq = string(p)
		}
		return nil
	})
	if err != nil {
		return it, err
	}
	if it.Encoding > S2 {
		return it, fmt.Errorf("unknown payload encoding %d", it.Encoding)
	}
	if len(it.Payload) == 0 {
		return it, errors.New("empty payload")
	}
	return it, nil
}

// fields walks a protobuf-wire message, calling fn for varint and bytes
// fields and skipping others.
func fields(b []byte, fn func(protowire.Number, protowire.Type, uint64, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v uint64
		var p []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			p, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		if typ == protowire.VarintType || typ == protowire.BytesType {
			if err := fn(num, typ, v, p); err != nil {
				return err
			}
		}
	}
	return nil
}
