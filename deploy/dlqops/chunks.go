package dlqops

import (
	"fmt"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
)

// chunks gathers the chunks of payloads that were cut into several
// messages until each group is complete.
type chunks struct {
	groups map[string][]*Received
}

func newChunks() *chunks { return &chunks{groups: map[string][]*Received{}} }

// add files a chunk; it returns the group's chunks once all are there.
func (c *chunks) add(rec *Received) []*Received {
	ch := rec.Msg.Chunk
	g := append(c.groups[ch.Group], rec)
	if len(g) < ch.Count {
		c.groups[ch.Group] = g
		return nil
	}
	delete(c.groups, ch.Group)
	return g
}

// complete returns the whole message rec belongs to and the messages it
// came in: rec itself when it is not a chunk, the joined group when rec
// completes one, nil while a group lacks chunks. A complete group that
// does not join (damaged) is an error, with its parts.
func (c *chunks) complete(rec *Received) (*dlq.Message, []*Received, error) {
	if rec.Msg.Chunk == nil || rec.Msg.Chunk.Count <= 1 {
		return rec.Msg, []*Received{rec}, nil
	}
	parts := c.add(rec)
	if parts == nil {
		return nil, nil, nil
	}
	msgs := make([]*dlq.Message, len(parts))
	for i, p := range parts {
		msgs[i] = p.Msg
	}
	m, err := dlq.Join(msgs)
	if err != nil {
		return nil, parts, fmt.Errorf("damaged chunk group %s: %w", rec.Msg.Chunk.Group, err)
	}
	return m, parts, nil
}

// pending counts the groups still lacking chunks.
func (c *chunks) pending() int { return len(c.groups) }

// held returns the messages of incomplete groups.
func (c *chunks) held() []*Received {
	var out []*Received
	for _, g := range c.groups {
		out = append(out, g...)
	}
	return out
}
