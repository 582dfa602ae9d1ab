package route

import (
	"fmt"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// benchTable has ten collectors with a mix of rules, the shape of a busy
// account.
func benchTable(tb testing.TB) *Table {
	var cs []Collector
	for i := range 10 {
		c := Collector{Name: fmt.Sprintf("c%d", i), Endpoint: fmt.Sprintf("https://c%d.example.com", i)}
		switch i % 4 {
		case 1:
			c.Match.LogGroups = Rules{Include: []string{"/aws/lambda/prod-*", "/ecs/*"}, Exclude: []string{"*-canary"}}
		case 2:
			c.Match.Sources = Rules{Include: []string{"^checkout", "^cart"}, Exclude: []string{"test$"}}
		case 3:
			c.Signals = Signals{otlp.Traces}
			c.Endpoint = "https://xray.us-east-1.amazonaws.com"
		}
		cs = append(cs, c)
	}
	return mustTable(tb, cs, Options{OwnLogGroups: []string{"/aws/lambda/otlpfwd-ingest"}})
}

func BenchmarkMatch(b *testing.B) {
	tbl := benchTable(b)
	dst := make([]*Collector, 0, 16)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		dst = tbl.Match(dst[:0], otlp.Traces, "/aws/lambda/prod-checkout", "checkout-api")
		n += len(dst)
	}
	if n == 0 {
		b.Fatal("nothing matched")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "matches/s")
}

func TestMatchDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	tbl := benchTable(t)
	dst := make([]*Collector, 0, 16)
	for _, tc := range []struct {
		sig              otlp.Signal
		logGroup, source string
	}{
		{otlp.Traces, "/aws/lambda/prod-checkout", "checkout-api"},
		{otlp.Logs, "aws/spans", "cart-test"},
		{otlp.Metrics, "/ecs/prod-canary", ""},
	} {
		allocs := testing.AllocsPerRun(200, func() {
			dst = tbl.Match(dst[:0], tc.sig, tc.logGroup, tc.source)
			dst = tbl.PlainLogs(dst[:0], tc.logGroup, tc.source)
		})
		if allocs != 0 {
			t.Errorf("Match(%v, %q, %q) allocates %.1f times", tc.sig, tc.logGroup, tc.source, allocs)
		}
	}
}
