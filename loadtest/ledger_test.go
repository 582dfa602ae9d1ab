package loadtest

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
)

func TestLedgerAccounting(t *testing.T) {
	l := NewLedger()
	t0 := time.Unix(1000, 0)
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		l.Written(id, t0)
	}
	l.Delivered("a", t0.Add(100*time.Millisecond))
	l.Delivered("a", t0.Add(900*time.Millisecond)) // a duplicate
	l.Delivered("b", t0.Add(300*time.Millisecond))
	l.DeadLettered("c")
	l.Delivered("zzz", t0) // not ours
	c := l.Counts()
	if c.Written != 5 || c.Delivered != 2 || c.DeadLettered != 1 || c.Pending != 2 || c.Duplicates != 2 || c.Missing != 0 {
		t.Fatalf("counts %+v", c)
	}
	if c.Written != c.Delivered+c.DeadLettered+c.Pending {
		t.Fatal("written != delivered + dead + pending")
	}
	if c.Latency.Max != 300 || c.Latency.P50 != 300 {
		t.Fatalf("latency %+v: want first deliveries 100 and 300 ms", c.Latency)
	}
	s := l.Settle()
	if s.Missing != 2 || s.Pending != 0 {
		t.Fatalf("settled %+v", s)
	}
}

type sink struct {
	mu    sync.Mutex
	lines map[string][]string
}

func (s *sink) PutLogLines(_ context.Context, group, _ string, _ time.Time, lines []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines[group] = append(s.lines[group], lines...)
	return nil
}

// The generator writes decodable envelopes whose tags match the ledger,
// spread over the services' log groups, with noise and damaged lines.
func TestGeneratorWritesWhatItRecords(t *testing.T) {
	l := NewLedger()
	g := NewGenerator(Config{RunID: "t", Rate: 2000, Duration: 600 * time.Millisecond, ItemsPerExport: 10, Services: 2,
		Signals: []otlp.Signal{otlp.Traces, otlp.Metrics, otlp.Logs}, DamagedEvery: 7, Tick: 50 * time.Millisecond}, l)
	s := &sink{lines: map[string][]string{}}
	if err := g.Run(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if len(s.lines) != 2 {
		t.Fatalf("log groups %v", g.LogGroups())
	}
	items, damaged, noise := 0, 0, 0
	seen := map[otlp.Signal]bool{}
	for group, lines := range s.lines {
		if !strings.HasPrefix(group, "/aws/lambda/loadtest-") {
			t.Fatalf("log group %s", group)
		}
		for _, line := range lines {
			m, err := otlpstdout.Decode([]byte(line), otlpstdout.Options{})
			switch {
			case err == otlpstdout.ErrNotEnvelope:
				noise++
			case err != nil:
				damaged++
			default:
				ids, _ := otlp.ItemAttrs(m.Signal, m.Proto, "test.id")
				for _, id := range ids {
					l.Delivered(id, time.Now())
				}
				items += len(ids)
				seen[m.Signal] = true
			}
		}
	}
	c := l.Settle()
	if items == 0 || c.Written != items || c.Delivered != items || c.Missing != 0 || c.Damaged != damaged || damaged == 0 || noise == 0 || len(seen) != 3 {
		js, _ := json.Marshal(c)
		t.Fatalf("items %d damaged %d noise %d signals %v; ledger %s", items, damaged, noise, seen, js)
	}
}

func TestLedgerRecent(t *testing.T) {
	l := NewLedger()
	t0 := time.Unix(0, 0)
	l.Written("a", t0)
	l.Written("b", t0)
	l.Delivered("a", t0.Add(10*time.Millisecond))
	l.Delivered("a", t0.Add(50*time.Millisecond)) // a duplicate: not a first delivery
	p, n := l.Recent()
	if n != 1 || p.Max != 10 {
		t.Fatalf("recent %+v %d", p, n)
	}
	l.Delivered("b", t0.Add(20*time.Millisecond))
	if p, n = l.Recent(); n != 1 || p.P50 != 20 {
		t.Fatalf("second window %+v %d", p, n)
	}
	if _, n = l.Recent(); n != 0 {
		t.Fatal("Recent did not reset")
	}
}
