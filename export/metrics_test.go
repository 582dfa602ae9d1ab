package export

import (
	"bufio"
	"bytes"
	"context"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/emf"
)

// Per-collector EMF counters say what was delivered and dead-lettered, and
// add up to the items that came in.
func TestEmitsOutcomeCounters(t *testing.T) {
	good, bad := newCollector(t), newCollector(t, 400, 400, 400, 400)
	ps := payloads(t, "envelope/v0.17.3-multi-service.jsonl")
	var buf bytes.Buffer
	hs := newHarness(t, table(t, coll("good", good.URL), coll("bad", bad.URL)), Options{Metrics: emf.New(&buf, "otlpfwd")})
	if _, _, err := hs.h.Process(context.Background(), event(t, []string{"good", "bad"}, ps)); err != nil {
		t.Fatal(err)
	}
	per := map[string]map[string]float64{}
	reasons := map[string]float64{}
	var fn map[string]float64
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		r, ok := emf.Parse(sc.Bytes())
		if !ok {
			t.Fatalf("line %s", sc.Text())
		}
		switch {
		case r.Dimensions["Collector"] != "":
			per[r.Dimensions["Collector"]] = r.Values
		case r.Dimensions["Reason"] != "":
			reasons[r.Dimensions["Reason"]] = r.Values["DeadLettered"]
		default:
			fn = r.Values
		}
	}
	n := float64(len(allIDs(ps, 1)))
	if per["good"]["Delivered"] != n || per["good"]["DeadLettered"] != 0 || per["bad"]["DeadLettered"] != n || per["bad"]["Delivered"] != 0 {
		t.Fatalf("per collector %v", per)
	}
	if fn["ItemsIn"] != 2*n || fn["Delivered"]+fn["DeadLettered"] != fn["ItemsIn"] || reasons["permanent"] != n {
		t.Fatalf("function %v reasons %v", fn, reasons)
	}
}
