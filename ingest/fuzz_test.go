package ingest

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/aws/fake"
	"github.com/otlpfwd/otlpfwd/shared/aws/queue"
	"github.com/otlpfwd/otlpfwd/shared/aws/stream"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/record"
)

// FuzzHandler feeds arbitrary record data through the whole handler: it
// must never panic, never fail the batch while the stream and the DLQ
// work, and account for every record (written, skipped or dead-lettered).
func FuzzHandler(f *testing.F) {
	for _, name := range []string{"cwlogs/mixed.json.gz", "cwlogs/control-message.json.gz", "cwlogs/plain-not-gzipped.json",
		"cwlogs/truncated.json.gz", "cwlogs/corrupt-base64.json.gz", "cwlogs/corrupt-gzip-inside.json.gz"} {
		b, err := os.ReadFile(fixture.Path(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	rt := routes{}
	f.Fuzz(func(t *testing.T, data []byte) {
		if rt.t == nil {
			rt = table(t, collector("a"), collector("b"))
		}
		k, q := &fake.Kinesis{}, &fake.SQS{}
		h, err := New(rt, stream.NewWriter(k, "s", stream.Options{}), queue.NewWriter(q, "q", queue.Options{}), Options{MaxRecordBytes: 200_000})
		if err != nil {
			t.Fatal(err)
		}
		ev := events.KinesisEvent{Records: []events.KinesisEventRecord{kinesisRecord("1", data)}}
		resp, st, err := h.Process(context.Background(), ev)
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("err %v failures %v", err, resp.BatchItemFailures)
		}
		if st.Records != 1 || st.Undecodable > 0 && st.DeadLetters == 0 {
			t.Fatalf("stats %+v: an undecodable input was not dead-lettered", st)
		}
		// Every routed item is in a written record; telemetry that found
		// items went somewhere.
		written := 0
		for _, e := range k.Written() {
			r, err := record.Unmarshal(e.Data)
			if err != nil {
				t.Fatalf("tier-2 record does not decode: %v", err)
			}
			for _, it := range r.Items {
				written += it.Items
			}
		}
		if written != st.RoutedItems {
			t.Fatalf("records hold %d items, stats routed %d: %+v", written, st.RoutedItems, st)
		}
		if st.Items > 0 && st.RoutedItems == 0 && st.DeadLetters == 0 {
			t.Fatalf("stats %+v: %d items neither written nor dead-lettered", st, st.Items)
		}
	})
}
