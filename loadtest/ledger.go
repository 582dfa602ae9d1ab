package loadtest

import (
	"slices"
	"sync"
	"time"
)

// Ledger follows every tagged item from write to delivery or dead letter.
// Safe for concurrent use.
type Ledger struct {
	mu      sync.Mutex
	items   map[string]*entry
	damaged int
	// foreign counts deliveries of ids this run did not write.
	foreign int
	// recent holds the latencies (ms) of first deliveries since the last
	// Recent call.
	recent []float64
}

type entry struct {
	written   time.Time
	delivered int
	first     time.Time
	dead      int
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger { return &Ledger{items: map[string]*entry{}} }

// Written records an item written at t.
func (l *Ledger) Written(id string, t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items[id] = &entry{written: t}
}

// Damaged counts envelope lines written damaged on purpose.
func (l *Ledger) Damaged(n int) {
	l.mu.Lock()
	l.damaged += n
	l.mu.Unlock()
}

// Delivered records that a collector stored id at t.
func (l *Ledger) Delivered(id string, t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.items[id]
	if e == nil {
		l.foreign++
		return
	}
	e.delivered++
	if e.first.IsZero() {
		e.first = t
		l.recent = append(l.recent, float64(t.Sub(e.written).Microseconds())/1000)
	}
}

// DeadLettered records that id is in the DLQ.
func (l *Ledger) DeadLettered(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.items[id]; e != nil {
		e.dead++
	}
}

// Counts is the state of the ledger.
type Counts struct {
	Written      int `json:"written"`
	Delivered    int `json:"delivered"`
	DeadLettered int `json:"dead_lettered"`
	Pending      int `json:"pending"`
	Duplicates   int `json:"duplicates"`
	Missing      int `json:"missing"`
	Damaged      int `json:"damaged_lines"`
	// Latency of first deliveries, write to collector.
	Latency Percentiles `json:"latency_ms"`
}

// Percentiles of a latency distribution in milliseconds.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Counts returns the current counts. Items neither delivered nor
// dead-lettered are Pending while the run goes on; call Settle at the end to
// turn them into Missing.
func (l *Ledger) Counts() Counts {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := Counts{Written: len(l.items), Damaged: l.damaged}
	lat := make([]float64, 0, len(l.items))
	for _, e := range l.items {
		switch {
		case e.delivered > 0:
			c.Delivered++
			c.Duplicates += e.delivered - 1
			lat = append(lat, float64(e.first.Sub(e.written).Microseconds())/1000)
		case e.dead > 0:
			c.DeadLettered++
		default:
			c.Pending++
		}
		if e.delivered > 0 && e.dead > 0 {
			c.Duplicates += e.dead
		}
	}
	c.Duplicates += l.foreign
	c.Latency = percentiles(lat)
	return c
}

// Settle returns the final counts: what is still pending is missing.
func (l *Ledger) Settle() Counts {
	c := l.Counts()
	c.Missing, c.Pending = c.Pending, 0
	return c
}

func percentiles(v []float64) Percentiles {
	if len(v) == 0 {
		return Percentiles{}
	}
	slices.Sort(v)
	at := func(q float64) float64 { return v[min(len(v)-1, int(q*float64(len(v))))] }
	return Percentiles{P50: at(0.5), P90: at(0.9), P99: at(0.99), Max: v[len(v)-1]}
}

// Recent returns the latency percentiles and the count of the first
// deliveries recorded since the previous call (for a time series).
func (l *Ledger) Recent() (Percentiles, int) {
	l.mu.Lock()
	v := l.recent
	l.recent = nil
	l.mu.Unlock()
	return percentiles(v), len(v)
}
