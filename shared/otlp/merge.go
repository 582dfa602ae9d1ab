package otlp

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
)

// Batch is one serialized export request made by Merge or Split.
type Batch struct {
	Data  []byte
	Items int // spans, metric data points or log records in Data
}

// Merge combines serialized export requests of the signal into as few
// requests as fit in maxBytes each (maxBytes <= 0: no limit).
//
// Containers with the same content merge: ResourceSpans (ResourceMetrics,
// ResourceLogs) whose fields other than their scopes are byte for byte the
// same (the serialized Resource, schema_url and any unknown fields), and,
// within one, ScopeSpans (...) whose fields other than their items are the
// same. Items (spans, Metric messages, log records) are copied byte for
// byte and keep their order; metrics and their data points are never merged
// or altered. Resources come out in the order they first appear, and so do
// scopes within a resource. Containers without items are dropped, as are
// unknown fields of the requests themselves; everything else is kept.
//
// Batches are cut between resources first, then between scopes, then
// between items: a resource (or else a scope) that does not fit in what is
// left of a batch starts the next one if it fits in a batch of its own;
// what would not is split, filling the batch. Each batch is a valid request
// that repeats the resource and scope of the items it carries. An item too
// big for maxBytes on its own goes alone in its batch, whose Data is then
// longer than maxBytes: callers detect that by length. There are no empty
// batches: no items, no batches.
//
// Merge walks the requests down to the items and checks the fields on the
// way (errors are *FormatError, wrapped with the index of the request) but
// does not look inside spans and log records: run Scan on untrusted input
// first. The batches share one allocated buffer; Merge also allocates the
// []Batch; its working state is pooled.
func Merge(sig Signal, reqs [][]byte, maxBytes int) ([]Batch, error) {
	if !sig.Valid() {
		return nil, fmt.Errorf("merge: unknown signal %v", sig)
	}
	m := getMerger(sig, false)
	defer putMerger(m)
	for i, b := range reqs {
		if err := m.add(b); err != nil {
			return nil, fmt.Errorf("merge %s request %d: %w", sig, i, err.final())
		}
	}
	return m.batches(maxBytes)
}

// Split cuts one serialized export request into requests of at most
// maxBytes each, like Merge but without merging: every container of b stays
// a container of its own. A request that fits (or maxBytes <= 0) is returned
// as it is, in one batch that aliases b; Split then allocates only that
// one-element slice.
func Split(sig Signal, b []byte, maxBytes int) ([]Batch, error) {
	if !sig.Valid() {
		return nil, fmt.Errorf("split: unknown signal %v", sig)
	}
	m := getMerger(sig, true)
	defer putMerger(m)
	if err := m.add(b); err != nil {
		return nil, fmt.Errorf("split %s request: %w", sig, err.final())
	}
	if maxBytes <= 0 || len(b) <= maxBytes {
		return []Batch{{Data: b, Items: m.items}}, nil
	}
	return m.batches(maxBytes)
}

// merger groups the items of requests by resource and scope. Groups and
// chunks are kept in flat slices linked by index, and reused through a
// pool, so that merging allocates little beyond its output.
type merger struct {
	l       *layout
	noMerge bool
	res     []resGroup
	scopes  []scopeGroup
	chunks  []chunk
	items   int
	// headers whose fields were not contiguous in the input, copied
	arena []byte
	// group lookup by a hash of the header (and resource, for scopes):
	// the first group with that hash, the others chained by hnext
	seed             maphash.Seed
	resIdx, scopeIdx map[uint64]int32
	lastRes          int32
	// output: chunk indexes in output order, batch ends, scope parts and
	// where each batch's parts start
	order  []int32
	ends   []pos
	parts  []part
	firsts []int
}

// resGroup is a resource: the container's fields other than its scopes.
type resGroup struct {
	hdr         []byte
	hnext       int32
	first, last int32 // its scope groups, linked by scopeGroup.next
	size        int   // content: header and scope fields, all items in
	lo          int   // where its chunks start in order
}

// scopeGroup is a scope of a resource: the ScopeX fields but its items.
type scopeGroup struct {
	hdr         []byte
	hnext       int32
	res         int32
	first, last int32 // its chunks, linked by chunk.next
	next        int32
	size        int // content: header and items
	lo          int // where its chunks start in order
}

// chunk is a run of item fields that were adjacent in one ScopeX of the
// input, copied as one.
type chunk struct {
	data  []byte
	items int
	scope int32
	next  int32
}

var mergers = sync.Pool{New: func() any {
	return &merger{seed: maphash.MakeSeed(), resIdx: map[uint64]int32{}, scopeIdx: map[uint64]int32{}}
}}

func getMerger(sig Signal, noMerge bool) *merger {
	m := mergers.Get().(*merger)
	m.l, m.noMerge, m.lastRes = layouts[sig], noMerge, -1
	return m
}

// putMerger forgets everything that points into the caller's requests and
// pools m.
func putMerger(m *merger) {
	clear(m.res)
	clear(m.scopes)
	clear(m.chunks)
	clear(m.resIdx)
	clear(m.scopeIdx)
	m.res, m.scopes, m.chunks = m.res[:0], m.scopes[:0], m.chunks[:0]
	m.arena, m.order, m.ends, m.parts, m.firsts = m.arena[:0], m.order[:0], m.ends[:0], m.parts[:0], m.firsts[:0]
	m.items = 0
	if cap(m.chunks) > 1<<20 || cap(m.arena) > 1<<24 {
		return // unusually large: let it go
	}
	mergers.Put(m)
}

// add walks one request and files its items.
func (m *merger) add(b []byte) *pathError {
	l := m.l
	for i := 0; i < len(b); {
		num, typ, vs, end, err := fieldAt(b, i)
		if err != nil {
			return errorf(i, "%v", err)
		}
		if num == l.resourceX {
			if typ != protowire.BytesType {
				return wireTypeError(&l.request.fields[num], num, typ, i)
			}
			if err := m.addResource(b[vs:end]); err != nil {
				return err.in(l.resourceName, indexOf(b, i, num), vs)
			}
		}
		i = end
	}
	return nil
}

func (m *merger) addResource(rx []byte) *pathError {
	l := m.l
	hdr, err := m.header(rx, l.rxMsg, l.scopeX)
	if err != nil {
		return err
	}
	g := m.resGroup(hdr)
	for i := 0; i < len(rx); {
		num, _, vs, end, _ := fieldAt(rx, i) // checked by header
		if num == l.scopeX {
			if err := m.addScope(g, rx[vs:end]); err != nil {
				return err.in(l.scopeName, indexOf(rx, i, num), vs)
			}
		}
		i = end
	}
	return nil
}

// header checks the fields of the container c of type msg and returns
// those other than the child field, as they are in c when they are
// adjacent there, else copied together.
func (m *merger) header(c []byte, msg *message, child protowire.Number) ([]byte, *pathError) {
	var h header
	for i := 0; i < len(c); {
		num, typ, _, end, err := fieldAt(c, i)
		if err != nil {
			return nil, errorf(i, "%v", err)
		}
		if f := msg.lookup(num); f != nil && !f.accepts(typ) {
			return nil, wireTypeError(f, num, typ, i)
		}
		if num != child {
			h.add(m, c, i, end)
		}
		i = end
	}
	return h.bytes(m, c), nil
}

// header collects the fields of a container other than its children: a
// range of it while they are adjacent, else a copy in the arena.
type header struct {
	lo, hi int
	copied int // where the copy starts in the arena, plus one; 0 for none
}

func (h *header) add(m *merger, c []byte, i, end int) {
	switch {
	case h.copied > 0:
		m.arena = append(m.arena, c[i:end]...)
	case h.hi == h.lo:
		h.lo, h.hi = i, end
	case h.hi == i:
		h.hi = end
	default:
		h.copied = len(m.arena) + 1
		m.arena = append(m.arena, c[h.lo:h.hi]...)
		m.arena = append(m.arena, c[i:end]...)
	}
}

func (h *header) bytes(m *merger, c []byte) []byte {
	if h.copied > 0 {
		return m.arena[h.copied-1 : len(m.arena) : len(m.arena)]
	}
	return c[h.lo:h.hi:h.hi]
}

func (m *merger) addScope(g int32, sx []byte) *pathError {
	l := m.l
	var h header
	first := int32(len(m.chunks))
	run := -1 // where the run of items in the last chunk starts, if the last field was an item
	for i := 0; i < len(sx); {
		var vs, end int
		// The common case, inline: an item with a one-byte tag and a
		// length of one or two bytes.
		item := false
		if sx[i] == l.itemTag && i+2 < len(sx) {
			n, k := uint64(sx[i+1]), 1
			if n >= 0x80 {
				n, k = n&0x7f|uint64(sx[i+2])<<7, 2
				if sx[i+2] >= 0x80 {
					k = 0
				}
			}
			if k > 0 && n <= uint64(len(sx)-i-1-k) {
				vs = i + 1 + k
				end, item = vs+int(n), true
			}
		}
		if !item {
			num, typ, v, e, err := fieldAt(sx, i)
			if err != nil {
				return errorf(i, "%v", err)
			}
			if f := l.sxMsg.lookup(num); f != nil && !f.accepts(typ) {
				return wireTypeError(f, num, typ, i)
			}
			vs, end, item = v, e, num == l.item
		}
		if !item {
			h.add(m, sx, i, end)
			run = -1
			i = end
			continue
		}
		n := 1
		if l.deep {
			c, err := countItems(l.itemMsg, sx[vs:end])
			if err != nil {
				return err.in(l.itemName, indexOf(sx, i, l.item), vs)
			}
			n = c
		}
		m.items += n
		if run >= 0 {
			c := &m.chunks[len(m.chunks)-1]
			c.data = sx[run:end]
			c.items += n
		} else {
			run = i
			m.chunks = append(m.chunks, chunk{data: sx[i:end], items: n, next: -1})
		}
		i = end
	}
	if int(first) == len(m.chunks) {
		return nil // no items
	}
	s := m.scopeGroup(g, h.bytes(m, sx))
	last := int32(len(m.chunks) - 1)
	for k := first; k <= last; k++ {
		m.chunks[k].scope = s
		if k < last {
			m.chunks[k].next = k + 1
		}
	}
	sg := &m.scopes[s]
	if sg.last >= 0 {
		m.chunks[sg.last].next = first
	} else {
		sg.first = first
	}
	sg.last = last
	return nil
}

func (m *merger) resGroup(hdr []byte) int32 {
	var h uint64
	if !m.noMerge {
		if m.lastRes >= 0 && bytes.Equal(m.res[m.lastRes].hdr, hdr) {
			return m.lastRes
		}
		h = maphash.Bytes(m.seed, hdr)
		if g, ok := m.resIdx[h]; ok {
			for ; g >= 0; g = m.res[g].hnext {
				if bytes.Equal(m.res[g].hdr, hdr) {
					m.lastRes = g
					return g
				}
			}
		}
	}
	g := int32(len(m.res))
	m.res = append(m.res, resGroup{hdr: hdr, hnext: -1, first: -1, last: -1})
	if !m.noMerge {
		if first, ok := m.resIdx[h]; ok {
			m.res[g].hnext = first
		}
		m.resIdx[h] = g
		m.lastRes = g
	}
	return g
}

func (m *merger) scopeGroup(g int32, hdr []byte) int32 {
	var h uint64
	if !m.noMerge {
		h = maphash.Bytes(m.seed, hdr) ^ uint64(g+1)*0x9e3779b97f4a7c15
		if s, ok := m.scopeIdx[h]; ok {
			for ; s >= 0; s = m.scopes[s].hnext {
				if m.scopes[s].res == g && bytes.Equal(m.scopes[s].hdr, hdr) {
					return s
				}
			}
		}
	}
	s := int32(len(m.scopes))
	m.scopes = append(m.scopes, scopeGroup{hdr: hdr, hnext: -1, res: g, first: -1, last: -1, next: -1})
	if !m.noMerge {
		if first, ok := m.scopeIdx[h]; ok {
			m.scopes[s].hnext = first
		}
		m.scopeIdx[h] = s
	}
	rg := &m.res[g]
	if rg.last >= 0 {
		m.scopes[rg.last].next = s
	} else {
		rg.first = s
	}
	rg.last = s
	return s
}

// countItems counts the items (data points) in b, a message of type msg,
// walking only the fields that lead to items. The members of the counting
// oneof follow protobuf: only the last one set counts.
func countItems(msg *message, b []byte) (int, *pathError) {
	items := 0
	var member protowire.Number
	memberItems := 0
	for i := 0; i < len(b); {
		start := i
		num, typ, vs, end, err := fieldAt(b, i)
		if err != nil {
			return 0, errorf(i, "%v", err)
		}
		i = end
		f := msg.lookup(num)
		if f == nil {
			continue
		}
		sub := 0
		if f.role == roleItem || (f.msg != nil && f.msg.items) {
			if typ != protowire.BytesType {
				return 0, wireTypeError(f, num, typ, start)
			}
			if f.role == roleItem {
				sub = 1
			}
			if f.msg.items {
				c, err := countItems(f.msg, b[vs:end])
				if err != nil {
					idx := -1
					if f.list {
						idx = indexOf(b, start, num)
					}
					return 0, err.in(f.name, idx, vs)
				}
				sub += c
			}
		}
		if f.count {
			if num != member {
				member, memberItems = num, 0
			}
			memberItems += sub
		} else {
			items += sub
		}
	}
	return items + memberItems, nil
}
