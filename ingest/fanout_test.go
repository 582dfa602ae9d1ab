package ingest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// fanOutLimit is a record limit that a 300 KB "abcd" request fits as
// gzip (about 100 KB: passthrough items) but not as S2 (about 143 KB:
// merge items).
const fanOutLimit = 130_000

// fanOut is what one run wrote and dead-lettered.
type fanOut struct {
	resp    events.KinesisEventResponse
	st      Stats
	recs    []*record.Record
	entries [][]byte // tier-2 record data, sorted
	dead    []*dlq.Message
}

func runFanOut(t *testing.T, ev events.KinesisEvent, collectors ...route.Collector) fanOut {
	t.Helper()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	hs := newHarness(t, table(t, collectors...), Options{MaxRecordBytes: fanOutLimit, Now: func() time.Time { return now }})
	resp, st, err := hs.h.Process(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	checkEntrySizes(t, hs, fanOutLimit)
	out := fanOut{resp: resp, st: st, recs: hs.written(t), dead: hs.deadLetters(t)}
	for _, e := range hs.kin.Written() {
		out.entries = append(out.entries, e.Data)
	}
	slices.SortFunc(out.entries, bytes.Compare)
	return out
}

func passthrough(name string) route.Collector {
	c := collector(name)
	c.Mode = route.ModePassthrough
	return c
}

// checkDead checks that the dead letters are exactly one per want entry:
// the raw line, reason undecodable, an error naming the collector and the
// size limit.
func checkDead(t *testing.T, dead []*dlq.Message, line string, collectors ...string) {
	t.Helper()
	if len(dead) != len(collectors) {
		t.Fatalf("%d dead letters, want %d (for %v)", len(dead), len(collectors), collectors)
	}
	var got []string
	for _, m := range dead {
		raw, err := m.Raw()
		if err != nil || string(raw) != line {
			t.Fatalf("dead letter holds %d bytes (%v), want the %d-byte culprit line", len(raw), err, len(line))
		}
		if m.Reason != dlq.Undecodable || m.Source.FirstSeq != "100" || !strings.Contains(m.Error, "too large for a Kinesis record") {
			t.Fatalf("dead letter reason %s seq %s error %q", m.Reason, m.Source.FirstSeq, m.Error)
		}
		for _, c := range collectors {
			if strings.Contains(m.Error, fmt.Sprintf("collector %q", c)) {
				got = append(got, c)
			}
		}
	}
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(collectors)); !slices.Equal(got, want) {
		t.Fatalf("dead letters name collectors %v, want %v", got, want)
	}
}

// Reviewer's repro: with collectors [pass, merge] the passthrough
// collector got the item and the event was dead-lettered too; with
// [merge, pass] the passthrough collector got nothing. Now each collector
// gets what fits it, the event is dead-lettered only for the collector it
// does not fit, and the outcome does not depend on the collectors' order.
func TestFanOutIndependentOfCollectorOrder(t *testing.T) {
	big := spanLine(t, "big-span", noise(1, 300_000, "abcd"))
	ev := eventOf(t, "/aws/lambda/checkout", big, spanLine(t, "small-span", ""))
	var runs []fanOut
	for _, order := range [][]route.Collector{{passthrough("pass"), collector("merge")}, {collector("merge"), passthrough("pass")}} {
		t.Run(order[0].Name+" first", func(t *testing.T) {
			r := runFanOut(t, ev, order...)
			if len(r.resp.BatchItemFailures) != 0 {
				t.Fatalf("BatchItemFailures %v", r.resp.BatchItemFailures)
			}
			ids := testIDs(t, r.recs)
			if fmt.Sprint(ids["pass"]) != "[big-span small-span]" || fmt.Sprint(ids["merge"]) != "[small-span]" || len(ids) != 2 {
				t.Fatalf("written %v, want pass [big-span small-span] and merge [small-span]", ids)
			}
			for _, rec := range r.recs {
				for _, it := range rec.Items {
					if want := map[string]record.Encoding{"pass": record.Gzip, "merge": record.Identity}[rec.Collector]; it.Encoding != want {
						t.Fatalf("%s item encoding %d, want %d", rec.Collector, it.Encoding, want)
					}
				}
			}
			checkDead(t, r.dead, big, "merge")
			if st := r.st; st.Telemetry != 2 || st.Items != 2 || st.Routed != 3 || st.RoutedItems != 3 || st.Undecodable != 1 ||
				st.DeadLetters != 1 || st.Collectors["pass"] != 2 || st.Collectors["merge"] != 1 {
				t.Fatalf("stats %+v", st)
			}
			runs = append(runs, r)
		})
	}
	if len(runs) == 2 && !slices.EqualFunc(runs[0].entries, runs[1].entries, bytes.Equal) {
		t.Fatal("the tier-2 records differ with the collectors' order")
	}
}

// logBodies returns the bodies of the log records each collector got,
// sorted, long ones cut to 16 bytes.
func logBodies(t *testing.T, recs []*record.Record) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, r := range recs {
		if r.Signal != otlp.Logs {
			t.Fatalf("%s record", r.Signal)
		}
		for _, it := range r.Items {
			raw, err := it.AppendRaw(nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			var m collogs.ExportLogsServiceRequest
			if err := proto.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			for _, rl := range m.ResourceLogs {
				for _, sl := range rl.ScopeLogs {
					for _, lr := range sl.LogRecords {
						b := lr.GetBody().GetStringValue()
						if len(b) > 16 {
							b = b[:16]
						}
						out[r.Collector] = append(out[r.Collector], b)
					}
				}
			}
		}
	}
	for _, b := range out {
		slices.Sort(b)
	}
	return out
}

// A merged request (plain logs of one payload) that one collector cannot
// take goes to that collector as its parts, so that only the culprit
// event is dead-lettered, for that collector alone; the collectors that
// took the merged request get no part again. When no collector can take
// it, each gets the parts that fit it.
func TestMergedFanOutFallsBackPerCollector(t *testing.T) {
	big := "big " + noise(2, 300_000, "abcd")
	ev := eventOf(t, "/aws/lambda/checkout", "first line", big, "third line")
	withPlain := func(c route.Collector) route.Collector { c.PlainLogs = true; return c }
	pass, merge, merge2 := withPlain(passthrough("pass")), withPlain(collector("merge")), withPlain(collector("merge2"))
	cases := []struct {
		name       string
		collectors []route.Collector
		want       map[string][]string
		dead       []string
		telemetry  int
	}{
		{"pass first", []route.Collector{pass, merge}, map[string][]string{"pass": {big[:16], "first line", "third line"}, "merge": {"first line", "third line"}}, []string{"merge"}, 1},
		{"merge first", []route.Collector{merge, pass}, map[string][]string{"pass": {big[:16], "first line", "third line"}, "merge": {"first line", "third line"}}, []string{"merge"}, 1},
		{"none takes it", []route.Collector{merge, merge2}, map[string][]string{"merge": {"first line", "third line"}, "merge2": {"first line", "third line"}}, []string{"merge", "merge2"}, 3},
	}
	var entries [][][]byte
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runFanOut(t, ev, tc.collectors...)
			if len(r.resp.BatchItemFailures) != 0 {
				t.Fatalf("BatchItemFailures %v", r.resp.BatchItemFailures)
			}
			got := logBodies(t, r.recs)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("log records written %q\nwant %q", got, tc.want)
			}
			checkDead(t, r.dead, big, tc.dead...)
			routed := 0
			for _, n := range r.st.Collectors {
				routed += n
			}
			if st := r.st; st.Telemetry != tc.telemetry || st.Items != 3 || st.RoutedItems != routed || st.Undecodable != len(tc.dead) {
				t.Fatalf("stats %+v", st)
			}
			entries = append(entries, r.entries)
		})
	}
	if len(entries) >= 2 && !slices.EqualFunc(entries[0], entries[1], bytes.Equal) {
		t.Fatal("the tier-2 records differ with the collectors' order")
	}
}
