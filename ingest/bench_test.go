package ingest

import (
	"bytes"
	"context"
	"encoding/base64"
	"sync"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/aws/stream"
	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/cwlogs"
	"github.com/otlpfwd/otlpfwd/shared/fixture/synth"
	"github.com/otlpfwd/otlpfwd/shared/processor"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// A maximal Lambda batch: about 6 MB of record data (the ESM payload
// limit), requests of 100 spans with 6 attributes.
const benchBatchBytes = 6 << 20

var (
	benchOnce sync.Once
	benchData synth.Batch
)

func benchBatch(b *testing.B) synth.Batch {
	benchOnce.Do(func() { benchData = synth.KinesisBatch(benchBatchBytes, 10, 100, 6) })
	return benchData
}

// discard accepts every tier-2 record.
type discard struct{}

func (discard) Put(_ context.Context, e []stream.Entry) stream.Result {
	return stream.Result{Errs: make([]error, len(e)), Calls: 1}
}

func (discard) Send(_ context.Context, bodies []string) []error { return make([]error, len(bodies)) }

// BenchmarkIngestBatch runs the handler over a 6 MB batch: decode, route to
// one collector, pack tier-2 records (writes discarded).
func BenchmarkIngestBatch(b *testing.B) {
	batch := benchBatch(b)
	h, err := New(table(b, collector("main")), discard{}, discard{}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(batch.Bytes))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp, st, err := h.Process(context.Background(), batch.Event)
		if err != nil || len(resp.BatchItemFailures) != 0 || st.Items != batch.Spans {
			b.Fatalf("err %v failures %d items %d of %d", err, len(resp.BatchItemFailures), st.Items, batch.Spans)
		}
	}
	reportRates(b, batch)
}

// BenchmarkIngestFloor does only the unavoidable work on the same bytes:
// gunzip each record, base64-decode each payload and gunzip it. Where the
// payloads lie is found before the timer starts.
func BenchmarkIngestFloor(b *testing.B) {
	batch := benchBatch(b)
	type span struct{ rec, start, end int }
	var spans []span
	marker := []byte(`payload\":\"`)
	for i, r := range batch.Event.Records {
		js, err := compress.Gunzip(nil, r.Kinesis.Data, 0)
		if err != nil {
			b.Fatal(err)
		}
		for off := 0; ; {
			j := bytes.Index(js[off:], marker)
			if j < 0 {
				break
			}
			start := off + j + len(marker)
			end := start + bytes.IndexByte(js[start:], '\\')
			spans = append(spans, span{i, start, end})
			off = end
		}
	}
	b.SetBytes(int64(batch.Bytes))
	b.ReportAllocs()
	b.ResetTimer()
	var rec, b64, raw []byte
	for b.Loop() {
		next := 0
		for i, r := range batch.Event.Records {
			var err error
			if rec, err = compress.Gunzip(rec[:0], r.Kinesis.Data, 0); err != nil {
				b.Fatal(err)
			}
			for ; next < len(spans) && spans[next].rec == i; next++ {
				s := spans[next]
				src := rec[s.start:s.end]
				if cap(b64) < base64.StdEncoding.DecodedLen(len(src)) {
					b64 = make([]byte, base64.StdEncoding.DecodedLen(len(src)))
				}
				n, err := base64.StdEncoding.Decode(b64[:cap(b64)], src)
				if err != nil {
					b.Fatal(err)
				}
				if raw, err = compress.Gunzip(raw[:0], b64[:n], 0); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	reportRates(b, batch)
}

func reportRates(b *testing.B, batch synth.Batch) {
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(batch.Records)/sec, "records/s")
	b.ReportMetric(float64(batch.Spans)/sec, "spans/s")
}

// BenchmarkIngestRoutePack measures routing and packing alone: the batch's
// telemetry is decoded once, then each iteration routes it to two
// collectors (one passthrough, one merge) and packs the tier-2 records.
func BenchmarkIngestRoutePack(b *testing.B) {
	batch := benchBatch(b)
	pass := collector("pass")
	pass.Mode = route.ModePassthrough
	rt := table(b, pass, collector("merge"))
	h, err := New(rt, discard{}, discard{}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	type decoded struct {
		ev  processor.Event
		tel processor.Telemetry
	}
	var all []decoded
	chain := processor.Default()
	for _, r := range batch.Event.Records {
		p, _, err := cwlogs.Decode(r.Kinesis.Data, nil, cwlogs.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, le := range p.LogEvents {
			ev := processor.Event{Owner: p.Owner, Region: "us-east-1", LogGroup: p.LogGroup, LogStream: p.LogStream, Message: le.Message}
			tel, _, _ := chain.Process(&ev, nil)
			for _, t := range tel {
				all = append(all, decoded{ev: ev, tel: t})
			}
		}
	}
	b.SetBytes(int64(batch.Bytes))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		bt := newBatch(h, rt.t, 1, 0)
		bt.records[0] = &batch.Event.Records[0]
		for i := range all {
			bt.routeOrDeadLetter(0, &all[i].ev, &all[i].tel, "shardId-000000000000", "1")
		}
		bt.finish()
		if len(bt.dead) != 0 {
			b.Fatalf("%d dead letters", len(bt.dead))
		}
		if bt.stats.RoutedItems != 2*batch.Spans {
			b.Fatalf("routed %d items, want %d", bt.stats.RoutedItems, 2*batch.Spans)
		}
	}
	b.ReportMetric(float64(batch.Spans)/(b.Elapsed().Seconds()/float64(b.N)), "spans/s")
}
