package dlqops

import (
	"context"
	"errors"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
)

// Defaults for InspectOptions.
const (
	DefaultInspectVisibility = 30 * time.Second
	DefaultWait              = time.Second
	DefaultMaxMessages       = 1000
)

// InspectOptions tunes Inspect. The zero value of each field gives the
// default noted.
type InspectOptions struct {
	// Visibility is how long each message read stays hidden from other
	// readers (a redrive) during the scan; all are made visible again at
	// the end. Default 30 s; a scan of more than about 300 messages per
	// 10 s of it may see early messages come back (they are counted once).
	Visibility time.Duration
	// Wait is the long-poll wait of each receive; the scan ends after two
	// receives in a row bring nothing new. Default 1 s.
	Wait time.Duration
	// MaxMessages bounds the messages read. Default 1000.
	MaxMessages int
	// Peek is the number of dead letters to decode into Report.Peek.
	Peek int
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

func (o *InspectOptions) defaults() {
	if o.Visibility <= 0 {
		o.Visibility = DefaultInspectVisibility
	}
	if o.Wait <= 0 {
		o.Wait = DefaultWait
	}
	if o.MaxMessages <= 0 {
		o.MaxMessages = DefaultMaxMessages
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Tally counts messages and the items they declare.
type Tally struct {
	Messages int `json:"messages"`
	Items    int `json:"items"`
}

func (t *Tally) add(m *dlq.Message) {
	t.Messages++
	t.Items += m.Items
}

// AgeTally counts the messages of one age bucket (time in the queue).
type AgeTally struct {
	Bucket   string `json:"bucket"`
	Messages int    `json:"messages"`
}

// ageBuckets are the upper bounds of the age buckets; the DLQ keeps
// messages 14 days.
var ageBuckets = []struct {
	label string
	upTo  time.Duration
}{
	{"<1h", time.Hour}, {"1h-6h", 6 * time.Hour}, {"6h-24h", 24 * time.Hour},
	{"1d-3d", 72 * time.Hour}, {"3d-7d", 7 * 24 * time.Hour}, {"7d-14d", 14 * 24 * time.Hour}, {">14d", 1<<63 - 1},
}

// Unreadable is a message that is not an otlpfwd dead letter.
type Unreadable struct {
	ID    string `json:"message_id"`
	Error string `json:"error"`
}

// None keys the tallies of messages without a collector or a signal
// (undecodable input).
const None = "(none)"

// Report is what Inspect found.
type Report struct {
	Queue string `json:"queue_url"`
	// Depth is SQS's own approximate count, read before the scan.
	Depth Depth `json:"depth"`
	// Read is the number of messages read; Complete is false when the
	// scan stopped at MaxMessages.
	Read     int  `json:"messages_read"`
	Complete bool `json:"complete"`
	// Items sums the spans, data points and log records the messages
	// declare.
	Items       int              `json:"items"`
	ByCollector map[string]Tally `json:"by_collector"`
	BySignal    map[string]Tally `json:"by_signal"`
	ByReason    map[string]Tally `json:"by_reason"`
	ByAge       []AgeTally       `json:"by_age"`
	Oldest      time.Time        `json:"oldest,omitempty"`
	Newest      time.Time        `json:"newest,omitempty"`
	// Expiring counts messages that SQS drops within two days (their
	// retention ends): redrive them first.
	Expiring int `json:"expiring_within_2d"`
	// IncompleteChunks counts chunk groups of which the scan saw only
	// some chunks.
	IncompleteChunks int          `json:"incomplete_chunk_groups"`
	Unreadable       []Unreadable `json:"unreadable,omitempty"`
	Peek             []Preview    `json:"peek,omitempty"`
}

func newReport(url string) *Report {
	r := &Report{Queue: url, ByCollector: map[string]Tally{}, BySignal: map[string]Tally{}, ByReason: map[string]Tally{}}
	for _, b := range ageBuckets {
		r.ByAge = append(r.ByAge, AgeTally{Bucket: b.label})
	}
	return r
}

func (r *Report) add(rec *Received, now time.Time) {
	r.Read++
	if !rec.SentAt.IsZero() {
		if r.Oldest.IsZero() || rec.SentAt.Before(r.Oldest) {
			r.Oldest = rec.SentAt
		}
		if rec.SentAt.After(r.Newest) {
			r.Newest = rec.SentAt
		}
		age := now.Sub(rec.SentAt)
		for i, b := range ageBuckets {
			if age < b.upTo {
				r.ByAge[i].Messages++
				break
			}
		}
		if ret := time.Duration(r.Depth.RetentionSeconds) * time.Second; ret > 0 && age > ret-48*time.Hour {
			r.Expiring++
		}
	}
	m := rec.Msg
	if m == nil {
		r.Unreadable = append(r.Unreadable, Unreadable{ID: rec.ID, Error: rec.ParseErr.Error()})
		return
	}
	r.Items += m.Items
	inc := func(t map[string]Tally, k string) {
		if k == "" {
			k = None
		}
		v := t[k]
		v.add(m)
		t[k] = v
	}
	inc(r.ByCollector, m.Collector)
	inc(r.BySignal, m.Signal)
	inc(r.ByReason, string(m.Reason))
}

// Inspect reads the queue without deleting anything: it counts the
// messages by collector, signal, reason and age, and decodes the first
// opts.Peek dead letters (chunked payloads joined). Each message is read
// once (by message id) and hidden from other readers for
// opts.Visibility; at the end, even after an error or an interruption,
// every message read is made visible again.
func Inspect(ctx context.Context, api QueueAPI, url string, opts InspectOptions) (rep *Report, err error) {
	opts.defaults()
	rep = newReport(url)
	if rep.Depth, err = GetDepth(ctx, api, url); err != nil {
		return nil, err
	}
	rc := newReceiver(api, url, opts.Visibility, opts.Wait, opts.Now)
	defer func() {
		if rerr := rc.release(ctx); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}()
	groups := newChunks()
	for rep.Read < opts.MaxMessages {
		batch, done, err := rc.next(ctx, opts.MaxMessages-rep.Read)
		if err != nil {
			return rep, err
		}
		if done {
			rep.Complete = true
			break
		}
		now := opts.Now()
		for _, rec := range batch {
			rep.add(rec, now)
			if rec.Msg == nil {
				continue
			}
			m, parts, err := groups.complete(rec)
			switch {
			case len(rep.Peek) >= opts.Peek:
			case err != nil:
				p := NewPreview(rec.Msg, parts)
				p.DecodeError = err.Error()
				rep.Peek = append(rep.Peek, p)
			case m != nil:
				rep.Peek = append(rep.Peek, NewPreview(m, parts))
			}
		}
	}
	rep.IncompleteChunks = groups.pending()
	return rep, nil
}
