package export

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/fixture/synth"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// benchShard is a maximal shard batch: about 6 MB of tier-2 records for one
// collector, packed with payloads of 100 spans x 6 attributes as ingest
// writes them for the collector's mode: the app's gzip (level 6) for
// passthrough, S2 for merge.
type benchShard struct {
	ev    events.KinesisEvent
	raws  [][]byte // the payloads inflated, for the floor
	bytes int      // record data in the batch
	spans int
}

var (
	shardOnce sync.Once
	shards    map[route.Mode]benchShard
)

func benchBatch(mode route.Mode) benchShard {
	shardOnce.Do(func() {
		shards = map[route.Mode]benchShard{route.ModeMerge: makeShard(record.S2), route.ModePassthrough: makeShard(record.Gzip)}
	})
	return shards[mode]
}

func makeShard(enc record.Encoding) benchShard {
	var shard benchShard
	{
		for seq := 0; shard.bytes < 6<<20; seq++ {
			r := record.Record{Collector: "main", Signal: otlp.Traces}
			size := record.HeadSize(&r)
			for e := 0; size < 900_000; e++ {
				svc := fmt.Sprintf("svc-%d", e%4)
				raw := synth.TraceRequest(svc, fmt.Sprintf("s%d-%d", seq, e), 100, 6)
				payload := compress.Gzip(nil, raw, 6)
				if enc == record.S2 {
					payload = compress.S2(nil, raw)
				}
				it := record.Item{Payload: payload, Encoding: enc, RawSize: len(raw), Items: 100,
					Source: svc, LogGroup: "/aws/lambda/" + svc, LogStream: "2026/11/24/[$LATEST]0123456789abcdef", Owner: "123456789012", Region: "us-east-1"}
				r.Items = append(r.Items, it)
				size += record.ItemSize(&it)
				shard.raws = append(shard.raws, raw)
				shard.spans += 100
			}
			data := record.Marshal(nil, &r)
			s := fmt.Sprintf("%056d", seq)
			shard.ev.Records = append(shard.ev.Records, events.KinesisEventRecord{EventID: "shardId-000000000000:" + s,
				Kinesis: events.KinesisRecord{SequenceNumber: s, Data: data}})
			shard.bytes += len(data)
		}
	}
	return shard
}

// nullSender accepts every request without a network round trip, so the
// benchmark measures the handler's own work.
type nullSender struct{}

func (nullSender) SendWithRetry(context.Context, otlphttp.Request, otlphttp.RetryPolicy, func(otlphttp.Attempt)) (otlphttp.Response, otlphttp.Result, error) {
	return otlphttp.Response{Status: 200}, otlphttp.Result{Attempts: 1}, nil
}

func benchHandler(b *testing.B, mode route.Mode) *Handler {
	tb, err := route.NewTable([]route.Collector{{Name: "main", Endpoint: "http://127.0.0.1:4318", Mode: mode}})
	if err != nil {
		b.Fatal(err)
	}
	h, err := New(routes{tb}, nullSender{}, discardDLQ{}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return h
}

type discardDLQ struct{}

func (discardDLQ) Send(_ context.Context, bodies []string) []error { return make([]error, len(bodies)) }

// BenchmarkExportBatch: inflate, enrich, merge, split, encode and gzip a
// 6 MB shard batch (merge mode, the default).
func BenchmarkExportBatch(b *testing.B) { benchExport(b, route.ModeMerge) }

// BenchmarkExportPassthrough: the same batch for a passthrough collector.
func BenchmarkExportPassthrough(b *testing.B) { benchExport(b, route.ModePassthrough) }

func benchExport(b *testing.B, mode route.Mode) {
	s := benchBatch(mode)
	h := benchHandler(b, mode)
	b.SetBytes(int64(s.bytes))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_, st, err := h.Process(context.Background(), s.ev)
		if err != nil || st.Delivered != s.spans {
			b.Fatalf("err %v delivered %d of %d", err, st.Delivered, s.spans)
		}
	}
	b.ReportMetric(float64(s.spans)/(b.Elapsed().Seconds()/float64(b.N)), "spans/s")
}

// BenchmarkExportFloor only gzips the batch's OTLP payloads, the least any
// exporter must do to send them compressed. It sets the bytes of the merge
// batch, which BenchmarkExportBatch handles.
func BenchmarkExportFloor(b *testing.B) {
	s := benchBatch(route.ModeMerge)
	b.SetBytes(int64(s.bytes))
	b.ReportAllocs()
	b.ResetTimer()
	var out []byte
	for b.Loop() {
		out = out[:0]
		for _, raw := range s.raws {
			out = compress.Gzip(out, raw, compress.DefaultLevel)
		}
	}
	b.ReportMetric(float64(s.spans)/(b.Elapsed().Seconds()/float64(b.N)), "spans/s")
}
