package otlp

import "fmt"

// The output of a merger is its chunks in resource, scope, arrival order;
// a batch is a contiguous range of it, cut between item fields.

// pos is a place in the output: byte off of the chunk order[k]. Positions
// are kept normalized: off < the chunk's length, or k == len(order) at the
// end.
type pos struct{ k, off int }

func (p pos) before(q pos) bool { return p.k < q.k || (p.k == q.k && p.off < q.off) }

// part is the piece of one scope that goes in a batch: chunks order[k0]
// (from byte lo) through order[k1] (up to byte hi).
type part struct {
	scope  int32
	k0, k1 int
	lo, hi int
	size   int // ScopeX content: header and item fields
}

// batches lays the groups out and cuts them into batches of at most
// maxBytes.
func (m *merger) batches(maxBytes int) ([]Batch, error) {
	total := m.flatten()
	if len(m.order) == 0 {
		return nil, nil
	}
	end := pos{len(m.order), 0}
	if maxBytes <= 0 || total <= maxBytes {
		m.ends = append(m.ends, end)
	} else {
		for a := (pos{}); a != end; {
			b := m.cut(a, maxBytes)
			m.ends = append(m.ends, b)
			a = b
		}
	}
	// Lay out every batch's parts, then write them all into one buffer.
	size := 0
	m.firsts = m.firsts[:0]
	a := pos{}
	for _, b := range m.ends {
		first := len(m.parts)
		m.firsts = append(m.firsts, first)
		m.parts = m.appendParts(m.parts, a, b)
		size += m.size(m.parts[first:])
		a = b
	}
	m.firsts = append(m.firsts, len(m.parts))
	out := make([]Batch, len(m.ends))
	buf := make([]byte, 0, size)
	for i := range out {
		start := len(buf)
		buf, out[i].Items = m.emit(buf, m.parts[m.firsts[i]:m.firsts[i+1]])
		out[i].Data = buf[start:len(buf):len(buf)]
	}
	if len(buf) != size || cap(buf) != size {
		return nil, fmt.Errorf("merge: internal error: wrote %d bytes, planned %d", len(buf), size)
	}
	return out, nil
}

// flatten puts the chunks in output order, sizes the groups, and returns
// the size of the whole output as one request.
func (m *merger) flatten() int {
	total := 0
	for gi := range m.res {
		g := &m.res[gi]
		g.lo = len(m.order)
		g.size = len(g.hdr)
		for s := g.first; s >= 0; s = m.scopes[s].next {
			sg := &m.scopes[s]
			sg.lo = len(m.order)
			sg.size = len(sg.hdr)
			for c := sg.first; c >= 0; c = m.chunks[c].next {
				m.order = append(m.order, c)
				sg.size += len(m.chunks[c].data)
			}
			g.size += lenFieldSize(sg.size)
		}
		if len(m.order) > g.lo {
			total += lenFieldSize(g.size)
		}
	}
	return total
}

// sizer tracks the size of a batch as items are added to it.
type sizer struct {
	closed       int   // resource fields complete
	res, scope   int32 // the open ones, -1 at first
	resContent   int   // header and complete scope fields of the open resource
	scopeContent int   // header and items of the open scope
}

// with returns the size of the batch with n more bytes of item fields of
// scope s, and the state that would give it.
func (z sizer) with(m *merger, s int32, n int) (int, sizer) {
	if s != z.scope {
		sg := &m.scopes[s]
		if sg.res != z.res {
			if z.res >= 0 {
				z.closed += lenFieldSize(z.resContent + lenFieldSize(z.scopeContent))
			}
			z.res, z.resContent = sg.res, len(m.res[sg.res].hdr)
		} else {
			z.resContent += lenFieldSize(z.scopeContent)
		}
		z.scope, z.scopeContent = s, len(sg.hdr)
	}
	z.scopeContent += n
	return z.closed + lenFieldSize(z.resContent+lenFieldSize(z.scopeContent)), z
}

// cut returns the end of the batch that starts at a.
func (m *merger) cut(a pos, maxBytes int) pos {
	z := sizer{res: -1, scope: -1}
	empty := true
	p := a
	for p.k < len(m.order) {
		c := &m.chunks[m.order[p.k]]
		if n, next := z.with(m, c.scope, len(c.data)-p.off); n <= maxBytes {
			z, empty, p = next, false, pos{p.k + 1, 0}
			continue
		}
		// The chunk does not fit whole: take its item fields one by one.
		for p.off < len(c.data) {
			_, _, _, end, _ := fieldAt(c.data, p.off) // checked by add
			n, next := z.with(m, c.scope, end-p.off)
			if n > maxBytes && !empty {
				return m.prefer(a, p, maxBytes)
			}
			z, p.off = next, end
			if n > maxBytes {
				break // an item too big on its own goes alone
			}
			empty = false
		}
		if p.off == len(c.data) {
			p = pos{p.k + 1, 0}
		}
		if empty {
			return p
		}
	}
	return p
}

// prefer picks where to end the batch that starts at a, given that the item
// at p does not fit in it: before p's resource if that fits in a batch of
// its own, else before p's scope if that does, else at p.
func (m *merger) prefer(a, p pos, maxBytes int) pos {
	sg := &m.scopes[m.chunks[m.order[p.k]].scope]
	g := &m.res[sg.res]
	if r := (pos{g.lo, 0}); a.before(r) && lenFieldSize(g.size) <= maxBytes {
		return r
	}
	if s := (pos{sg.lo, 0}); a.before(s) && lenFieldSize(len(g.hdr)+lenFieldSize(sg.size)) <= maxBytes {
		return s
	}
	return p
}

// appendParts appends the scope parts of the batch [a, b).
func (m *merger) appendParts(parts []part, a, b pos) []part {
	first := len(parts)
	for k := a.k; k < b.k || (k == b.k && b.off > 0); k++ {
		c := &m.chunks[m.order[k]]
		lo, hi := 0, len(c.data)
		if k == a.k {
			lo = a.off
		}
		if k == b.k {
			hi = b.off
		}
		if n := len(parts); n > first && parts[n-1].scope == c.scope {
			p := &parts[n-1]
			p.k1, p.hi = k, hi
			p.size += hi - lo
			continue
		}
		parts = append(parts, part{scope: c.scope, k0: k, k1: k, lo: lo, hi: hi, size: len(m.scopes[c.scope].hdr) + hi - lo})
	}
	return parts
}

// size returns the size of the request made of parts.
func (m *merger) size(parts []part) int {
	total := 0
	for i := 0; i < len(parts); {
		g := m.scopes[parts[i].scope].res
		content := len(m.res[g].hdr)
		for ; i < len(parts) && m.scopes[parts[i].scope].res == g; i++ {
			content += lenFieldSize(parts[i].size)
		}
		total += lenFieldSize(content)
	}
	return total
}

// emit appends the request made of parts to dst and returns the number of
// items in it.
func (m *merger) emit(dst []byte, parts []part) ([]byte, int) {
	l := m.l
	items := 0
	for i := 0; i < len(parts); {
		g := m.scopes[parts[i].scope].res
		j, content := i, len(m.res[g].hdr)
		for ; j < len(parts) && m.scopes[parts[j].scope].res == g; j++ {
			content += lenFieldSize(parts[j].size)
		}
		dst = appendLenField(dst, l.resourceX, content)
		dst = append(dst, m.res[g].hdr...)
		for _, p := range parts[i:j] {
			dst = appendLenField(dst, l.scopeX, p.size)
			dst = append(dst, m.scopes[p.scope].hdr...)
			for k := p.k0; k <= p.k1; k++ {
				c := &m.chunks[m.order[k]]
				lo, hi := 0, len(c.data)
				if k == p.k0 {
					lo = p.lo
				}
				if k == p.k1 {
					hi = p.hi
				}
				dst = append(dst, c.data[lo:hi]...)
				if lo == 0 && hi == len(c.data) {
					items += c.items
				} else {
					items += m.countRange(c.data[lo:hi])
				}
			}
		}
		i = j
	}
	return dst, items
}

// countRange counts the items in b, whole item fields of the input.
func (m *merger) countRange(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		_, _, vs, end, _ := fieldAt(b, i) // checked by add
		if m.l.deep {
			c, _ := countItems(m.l.itemMsg, b[vs:end])
			n += c
		} else {
			n++
		}
		i = end
	}
	return n
}
