package compare

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/ingest"
	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/fixture/synth"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/record"
)

// Payload is one application's export request as it leaves the
// application: OTLP/HTTP protobuf, gzip (level 6, as the reference
// exporters write it).
type Payload struct {
	Service string
	Gzip    []byte
	Raw     int // bytes before compression
	Spans   int
}

// Payloads makes n requests of spans spans with attrs attributes each,
// from four services in turn, every span tagged uniquely ("<tag>-<i>-<j>").
func Payloads(tag string, n, spans, attrs int) []Payload {
	out := make([]Payload, n)
	for i := range out {
		svc := fmt.Sprintf("svc-%d", i%4)
		raw := synth.TraceRequest(svc, fmt.Sprintf("%s-%d", tag, i), spans, attrs)
		out[i] = Payload{Service: svc, Gzip: compress.Gzip(nil, raw, 6), Raw: len(raw), Spans: spans}
	}
	return out
}

// Limits of the tier-2 batches built from payloads: a record as ingest
// packs it by default, and a shard batch as Lambda's event source mapping
// delivers it at most (6 MB of record data, 10,000 records).
const (
	MaxRecordBytes = ingest.DefaultMaxRecordBytes
	MaxBatchBytes  = 6 << 20
	MaxBatchRecs   = 10_000
)

// Batch is one export invocation's input.
type Batch struct {
	Event events.KinesisEvent
	// JSON is the event as Lambda delivers it to the bootstrap (record
	// data in base64).
	JSON  []byte
	Bytes int // record data
	Spans int
}

// Tier2 packs payloads, in order, as ingest writes them for collector
// "main" (gzip items with their service's log group and owner), into
// records of at most MaxRecordBytes and those into batches of at most
// batchBytes (MaxBatchBytes when 0) and MaxBatchRecs records.
func Tier2(payloads []Payload, batchBytes int) []Batch {
	if batchBytes <= 0 {
		batchBytes = MaxBatchBytes
	}
	var out []Batch
	var cur Batch
	seq := 0
	flushBatch := func() {
		if len(cur.Event.Records) > 0 {
			cur.JSON, _ = json.Marshal(cur.Event)
			out = append(out, cur)
			cur = Batch{}
		}
	}
	var r record.Record
	size, spans := 0, 0
	flushRecord := func() {
		if len(r.Items) == 0 {
			return
		}
		data := record.Marshal(nil, &r)
		if cur.Bytes+len(data) > batchBytes || len(cur.Event.Records) == MaxBatchRecs {
			flushBatch()
		}
		s := fmt.Sprintf("%056d", seq)
		seq++
		cur.Event.Records = append(cur.Event.Records, events.KinesisEventRecord{
			AwsRegion: "us-east-1", EventID: "shardId-000000000000:" + s, EventName: "aws:kinesis:record",
			EventSource: "aws:kinesis", EventSourceArn: "arn:aws:kinesis:us-east-1:123456789012:stream/otlpfwd-export",
			EventVersion: "1.0", InvokeIdentityArn: "arn:aws:iam::123456789012:role/otlpfwd-export",
			Kinesis: events.KinesisRecord{KinesisSchemaVersion: "1.0", PartitionKey: "main/traces/0", SequenceNumber: s, Data: data,
				ApproximateArrivalTimestamp: events.SecondsEpochTime{}},
		})
		cur.Bytes += len(data)
		cur.Spans += spans
		r, size, spans = record.Record{}, 0, 0
	}
	for _, p := range payloads {
		it := record.Item{Payload: p.Gzip, Encoding: record.Gzip, RawSize: p.Raw, Items: p.Spans, Source: p.Service,
			LogGroup: "/aws/lambda/" + p.Service, LogStream: "2026/11/24/[$LATEST]0123456789abcdef", Owner: "123456789012", Region: "us-east-1"}
		if len(r.Items) > 0 && size+record.ItemSize(&it) > MaxRecordBytes {
			flushRecord()
		}
		if len(r.Items) == 0 {
			r = record.Record{Collector: "main", Signal: otlp.Traces}
			size = record.HeadSize(&r)
		}
		r.Items = append(r.Items, it)
		size += record.ItemSize(&it)
		spans += p.Spans
	}
	flushRecord()
	flushBatch()
	return out
}
