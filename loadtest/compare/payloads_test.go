package compare

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/record"
)

// TestTier2 packs payloads into records and batches within the limits and
// loses, reorders and alters nothing.
func TestTier2(t *testing.T) {
	payloads := Payloads("t", 900, 100, 6)
	batches := Tier2(payloads, 0)
	if len(batches) < 2 {
		t.Fatalf("%d batches from %d payloads; want more than one", len(batches), len(payloads))
	}
	next := 0
	for i, b := range batches {
		if b.Bytes > MaxBatchBytes || len(b.Event.Records) > MaxBatchRecs {
			t.Errorf("batch %d: %d bytes in %d records", i, b.Bytes, len(b.Event.Records))
		}
		var ev events.KinesisEvent
		if err := json.Unmarshal(b.JSON, &ev); err != nil {
			t.Fatalf("batch %d JSON: %v", i, err)
		}
		spans := 0
		for j, rec := range ev.Records {
			if len(rec.Kinesis.Data) > MaxRecordBytes {
				t.Errorf("batch %d record %d: %d bytes", i, j, len(rec.Kinesis.Data))
			}
			r, err := record.Unmarshal(rec.Kinesis.Data)
			if err != nil || r.Collector != "main" || r.Signal != otlp.Traces {
				t.Fatalf("batch %d record %d: %+v, %v", i, j, r, err)
			}
			for _, it := range r.Items {
				p := payloads[next]
				next++
				if string(it.Payload) != string(p.Gzip) || it.Encoding != record.Gzip || it.RawSize != p.Raw || it.Source != p.Service {
					t.Fatalf("item %d differs from its payload", next-1)
				}
				spans += it.Items
			}
		}
		if spans != b.Spans {
			t.Errorf("batch %d: %d spans in its items, %d counted", i, spans, b.Spans)
		}
	}
	if next != len(payloads) {
		t.Fatalf("%d of %d payloads packed", next, len(payloads))
	}
	// The JSON carries the data as Lambda does: base64.
	var raw struct {
		Records []struct{ Kinesis struct{ Data string } }
	}
	json.Unmarshal(batches[0].JSON, &raw)
	if _, err := base64.StdEncoding.DecodeString(raw.Records[0].Kinesis.Data); err != nil {
		t.Errorf("record data is not base64: %v", err)
	}
	raw0, err := compress.Gunzip(nil, payloads[0].Gzip, 0)
	if err != nil || len(raw0) != payloads[0].Raw {
		t.Fatalf("payload 0 inflates to %d bytes, %v", len(raw0), err)
	}
	if st, err := otlp.Scan(otlp.Traces, raw0); err != nil || st.Items != 100 {
		t.Fatalf("payload 0: %+v, %v", st, err)
	}
}
