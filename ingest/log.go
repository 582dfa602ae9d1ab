package ingest

import (
	"github.com/aws/aws-lambda-go/events"
)

// log writes the batch's summary line.
func (b *batch) log(ev events.KinesisEvent) {
	shard, first, last := "", "", ""
	if n := len(ev.Records); n > 0 {
		shard = shardID(ev.Records[0].EventID)
		first, last = ev.Records[0].Kinesis.SequenceNumber, ev.Records[n-1].Kinesis.SequenceNumber
	}
	s := &b.stats
	b.h.opts.Logger.Info("ingest batch",
		"shard_id", shard, "first_seq", first, "last_seq", last,
		"records", s.Records, "bytes", s.BytesIn, "control_messages", s.ControlMessages,
		"log_events", s.LogEvents, "telemetry", s.Telemetry, "items", s.Items,
		"skipped_lines", s.SkippedLines, "unrouted", s.Unrouted, "undecodable", s.Undecodable,
		"routed", s.Routed, "out_records", s.OutRecords, "bytes_out", s.BytesOut,
		"put_calls", s.PutCalls, "put_retried", s.PutRetried, "put_failed", s.PutFailed,
		"dead_letters", s.DeadLetters, "dead_letter_failures", s.DeadLetterFails,
		"failed_records", s.Failed, "duration_ms", s.Duration.Milliseconds())
}
