package ingest

import (
	"bufio"
	"bytes"
	"context"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/aws/stream"
	"github.com/otlpfwd/otlpfwd/shared/emf"
)

// The batch's outcome counters are written as EMF lines that add up to the
// handler's own stats.
func TestEmitsOutcomeCounters(t *testing.T) {
	var buf bytes.Buffer
	hs := newHarness(t, table(t, collector("a"), collector("b")), Options{Metrics: emf.New(&buf, "otlpfwd")})
	_, st, err := hs.h.Process(context.Background(), fixtureEvent(t))
	if err != nil {
		t.Fatal(err)
	}
	fn := map[string]float64{}
	per := map[string]float64{}
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		r, ok := emf.Parse(sc.Bytes())
		if !ok || r.Namespace != "otlpfwd" || r.Dimensions["Function"] != "ingest" {
			t.Fatalf("line %s", sc.Text())
		}
		if c := r.Dimensions["Collector"]; c != "" {
			per[c] = r.Values["ItemsRouted"]
			continue
		}
		fn = r.Values
	}
	if fn["RecordsIn"] != float64(st.Records) || fn["ItemsIn"] != float64(st.Items) || fn["Undecodable"] != 3 ||
		fn["SkippedLines"] != float64(st.SkippedLines) || fn["ControlMessages"] != 1 || fn["DeadLetters"] != 3 {
		t.Fatalf("function counters %v, stats %+v", fn, st)
	}
	var units int64
	for _, e := range hs.kin.Written() {
		units += stream.PutUnits(len(e.Data) + len(*e.PartitionKey))
	}
	if units == 0 || fn["PutUnitsOut"] != float64(units) || fn["PutUnitsIn"] < float64(st.Records) {
		t.Fatalf("PUT units out %v (written %d), in %v", fn["PutUnitsOut"], units, fn["PutUnitsIn"])
	}
	if per["a"] != float64(st.Items) || per["b"] != float64(st.Items) || fn["ItemsRouted"] != 2*float64(st.Items) {
		t.Fatalf("per collector %v, routed %v, want %d each", per, fn["ItemsRouted"], st.Items)
	}
}
