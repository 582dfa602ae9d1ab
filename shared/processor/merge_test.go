package processor

import (
	"slices"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// TestMergePayload: the mergeable requests of one payload become one per
// processor, signal and source, at the place of the first; envelopes pass
// alone; the merged request has one resource and every item in order.
func TestMergePayload(t *testing.T) {
	plain := cases(t, "plain-logs.json")
	platform := cases(t, "lambda-platform.json")
	spans := cases(t, "aws-spans.json")
	chain := Default()
	var tel []Telemetry
	add := func(ev *Event) {
		t.Helper()
		var outcome Outcome
		var err error
		tel, outcome, err = chain.Process(ev, tel)
		if outcome != Decoded {
			t.Fatalf("%q: %v %v", ev.Message, outcome, err)
		}
	}
	add(plainEvent(plain["node-text"]))                                                                                  // 0 logs
	add(plainEvent(platform["text-warm"]))                                                                               // 1 metrics
	add(plainEvent(plain["json-lambda"]))                                                                                // 2 logs
	tel = append(tel, Telemetry{Signal: otlp.Traces, Source: "checkout-api", Proto: []byte{}, Processor: "otlp-stdout"}) // 3, not mergeable
	add(plainEvent(platform["text-cold"]))                                                                               // 4 metrics
	add(plainEvent(plain["python-text"]))                                                                                // 5 logs
	add(spansEvent(spans["lambda-server"]))                                                                              // 6 traces, stack-replay-recorder
	add(spansEvent(spans["client-error"]))                                                                               // 7 traces, checkout-api
	add(spansEvent(spans["agentcore-chat"]))                                                                             // 8 traces, MyAgent.DEFAULT
	add(spansEvent(spans["lambda-server"]))                                                                              // 9 traces, stack-replay-recorder

	out := MergePayload(tel)
	var from [][]int
	for _, m := range out {
		from = append(from, m.From)
	}
	want := [][]int{{0, 2, 5}, {1, 4}, {3}, {6, 9}, {7}, {8}}
	if !slices.EqualFunc(from, want, slices.Equal) {
		t.Fatalf("groups %v, want %v", from, want)
	}
	st := func(items int) otlp.Stats { return otlp.Stats{Resources: 1, Scopes: 1, Items: items} }
	stats := []otlp.Stats{st(3), st(9), {}, st(2), st(1), st(1)}
	for i, m := range out {
		if m.Stats != stats[i] {
			t.Fatalf("group %v: stats %+v, want %+v", m.From, m.Stats, stats[i])
		}
	}
	logs := decodeLogs(t, out[0].Proto)
	recs := logs.ResourceLogs[0].ScopeLogs[0].LogRecords
	if len(logs.ResourceLogs) != 1 || len(recs) != 3 ||
		recs[0].GetBody().GetStringValue() != "Loading order 42 from the database" ||
		recs[2].GetBody().GetStringValue() != "payment declined for order 42" {
		t.Fatalf("merged logs %v", logs)
	}
	sameProto(t, "resource", logs.ResourceLogs[0].Resource, decodeLogs(t, tel[0].Proto).ResourceLogs[0].Resource)
	if !out[0].PlainLogs || out[0].Source != "checkout-api" || out[1].PlainLogs {
		t.Fatalf("routing marks lost: %+v", out[:2])
	}
	met := decodeMetrics(t, out[1].Proto)
	if n := len(met.ResourceMetrics[0].ScopeMetrics[0].Metrics); len(met.ResourceMetrics) != 1 || n != 9 {
		t.Fatalf("merged metrics: %d resources, %d metrics", len(met.ResourceMetrics), n)
	}
}

func TestMergePayloadKeepsAlone(t *testing.T) {
	one := Telemetry{Signal: otlp.Logs, Source: "s", Proto: []byte("\x0a\x00"), Processor: "plain-logs", Mergeable: true}
	out := MergePayload([]Telemetry{one})
	if len(out) != 1 || string(out[0].Proto) != "\x0a\x00" || !slices.Equal(out[0].From, []int{0}) {
		t.Fatalf("%+v", out)
	}
	// Requests that do not merge (here: not OTLP) stay apart, none lost.
	bad := one
	bad.Proto = []byte{0xff}
	out = MergePayload([]Telemetry{one, bad, one})
	if len(out) != 3 {
		t.Fatalf("%d outputs, want the 3 inputs apart", len(out))
	}
	for i, m := range out {
		if !slices.Equal(m.From, []int{i}) {
			t.Fatalf("output %d from %v", i, m.From)
		}
	}
	if MergePayload(nil) == nil || len(MergePayload(nil)) != 0 {
		t.Fatal("nil input")
	}
}
