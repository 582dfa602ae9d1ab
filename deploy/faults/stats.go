package faults

import (
	"maps"
	"sync"
	"time"
)

// Stats counts what the proxy saw since Start, as it happens: a request is
// counted when it arrives, a rule when it acts, a forward when it starts.
// Counts survive Set and Clear.
type Stats struct {
	// Requests is every request the proxy read (connections refused while
	// down are not requests).
	Requests int64
	// InFlight is how many requests the proxy is handling now.
	InFlight int64
	// Forwarded is how many requests were sent on to the target: those no
	// rule matched, Forward, Delay, and the actions that forward first
	// (Respond and Reset with Forward, KinesisPartialFailure unless it
	// dropped every entry).
	Forwarded int64
	// Injected is how many requests a rule other than Forward acted on.
	Injected int64
	// DroppedRecords is how many PutRecords entries KinesisPartialFailure
	// failed without writing them.
	DroppedRecords int64
	// Rules is how many requests each rule acted on, by rule name.
	Rules map[string]int64
}

// Request is one entry of the request log: what was asked and what the proxy
// did. It holds neither headers nor bodies.
type Request struct {
	Time      time.Time
	Method    string
	Path      string // URL path only: no query
	Operation string // from X-Amz-Target, such as "PutRecords"; "" if none
	Rule      string // the rule that acted; "" when none matched
	Action    string // what was done, such as "forward" or "respond 503"
	Injected  bool   // a rule other than Forward acted
	Forwarded bool   // the request was sent on to the target
	Dropped   int    // PutRecords entries failed by KinesisPartialFailure
	// Status is the status the client was sent; 0 when it got none (reset,
	// refused, abandoned).
	Status   int
	Duration time.Duration
	Err      string // what went wrong forwarding or waiting, if anything
}

// statsBook holds the counters and a ring of the latest requests.
type statsBook struct {
	mu    sync.Mutex
	s     Stats
	ring  []Request
	next  int // where the next entry goes
	count int // entries held
}

func (b *statsBook) init(size int) {
	b.ring = make([]Request, size)
	b.s.Rules = map[string]int64{}
}

// seen counts a request as it arrives.
func (b *statsBook) seen() {
	b.mu.Lock()
	b.s.Requests++
	b.s.InFlight++
	b.mu.Unlock()
}

// applied counts a rule's action as it starts.
func (b *statsBook) applied(rule string, injected bool) {
	b.mu.Lock()
	b.s.Rules[rule]++
	if injected {
		b.s.Injected++
	}
	b.mu.Unlock()
}

func (b *statsBook) forwarded() {
	b.mu.Lock()
	b.s.Forwarded++
	b.mu.Unlock()
}

func (b *statsBook) record(e Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.s.InFlight--
	b.s.DroppedRecords += int64(e.Dropped)
	b.ring[b.next] = e
	b.next = (b.next + 1) % len(b.ring)
	b.count = min(b.count+1, len(b.ring))
}

// Stats returns a copy of the counters.
func (p *Proxy) Stats() Stats {
	p.stats.mu.Lock()
	defer p.stats.mu.Unlock()
	s := p.stats.s
	s.Rules = maps.Clone(s.Rules)
	return s
}

// Requests returns the latest requests, oldest first: at most
// Options.LogSize of them. A request appears once the proxy is done with it.
func (p *Proxy) Requests() []Request {
	b := &p.stats
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Request, 0, b.count)
	start := (b.next - b.count + len(b.ring)) % len(b.ring)
	for i := range b.count {
		out = append(out, b.ring[(start+i)%len(b.ring)])
	}
	return out
}
