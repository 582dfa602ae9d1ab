package processor

import (
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// Merged is telemetry that MergePayload made from one or more requests.
type Merged struct {
	Telemetry
	// From indexes, in order, the requests of the input it holds. A caller
	// that cannot forward the merged request whole (one of its items is too
	// large) can fall back to those.
	From []int
}

// MergePayload merges the telemetry of the events of one payload (one log
// group and stream): Mergeable requests of the same processor, signal,
// source and routing become one request, with identical resources and
// scopes merged (otlp.Merge: a payload's REPORT lines share one resource;
// spans of one service share theirs). Each output sits where its first
// request was; requests that are not Mergeable pass through alone. Stats
// are recomputed.
//
// One request per log line would repeat its resource and pay the per-item
// overhead of a tier-2 record for every line; merged, a payload of 100
// plain log lines is one request.
func MergePayload(tel []Telemetry) []Merged {
	type key struct {
		processor, source string
		signal            otlp.Signal
		plain             bool
	}
	out := make([]Merged, 0, len(tel))
	var at map[key]int
	for i := range tel {
		t := &tel[i]
		if !t.Mergeable {
			out = append(out, Merged{Telemetry: *t, From: []int{i}})
			continue
		}
		k := key{t.Processor, t.Source, t.Signal, t.PlainLogs}
		if j, ok := at[k]; ok {
			out[j].From = append(out[j].From, i)
			continue
		}
		if at == nil {
			at = map[key]int{}
		}
		at[k] = len(out)
		out = append(out, Merged{Telemetry: *t, From: []int{i}})
	}
	for j := 0; j < len(out); j++ {
		m := &out[j]
		if len(m.From) < 2 {
			continue
		}
		reqs := make([][]byte, len(m.From))
		for n, i := range m.From {
			reqs[n] = tel[i].Proto
		}
		batches, err := otlp.Merge(m.Signal, reqs, 0)
		if err != nil || len(batches) != 1 {
			// Requests the Chain has scanned always merge; should one not,
			// keep them apart rather than lose any.
			out = splitMerged(out, j, tel)
			continue
		}
		st, err := otlp.Scan(m.Signal, batches[0].Data)
		if err != nil {
			out = splitMerged(out, j, tel)
			continue
		}
		m.Proto, m.Stats = batches[0].Data, st
	}
	return out
}

// splitMerged replaces out[j] by one Merged per request it holds.
func splitMerged(out []Merged, j int, tel []Telemetry) []Merged {
	from := out[j].From
	parts := make([]Merged, len(from))
	for n, i := range from {
		parts[n] = Merged{Telemetry: tel[i], From: []int{i}}
	}
	rest := append(parts, out[j+1:]...)
	return append(out[:j], rest...)
}
