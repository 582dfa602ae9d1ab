package ingest

import (
	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/emf"
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
		"skipped_lines", s.SkippedLines, "in_progress_spans", s.InProgressSpans, "unrouted", s.Unrouted, "undecodable", s.Undecodable,
		"panics", s.Panics, "headers_dropped", s.HeadersDropped,
		"routed", s.Routed, "out_records", s.OutRecords, "bytes_out", s.BytesOut,
		"put_calls", s.PutCalls, "put_retried", s.PutRetried, "put_failed", s.PutFailed,
		"dead_letters", s.DeadLetters, "dead_letter_failures", s.DeadLetterFails,
		"failed_records", s.Failed, "duration_ms", s.Duration.Milliseconds())
}

// emit writes the batch's counters as EMF: one line for the function and
// one per collector with the items routed to it.
func (b *batch) emit() {
	m := b.h.opts.Metrics
	if m == nil {
		return
	}
	s := &b.stats
	c := func(name string, v int) emf.Metric { return emf.Metric{Name: name, Unit: emf.Count, Value: float64(v)} }
	err := m.Emit(map[string]string{"Function": "ingest"}, []emf.Metric{
		c("RecordsIn", s.Records), {Name: "BytesIn", Unit: emf.Bytes, Value: float64(s.BytesIn)},
		c("ControlMessages", s.ControlMessages), c("LogEvents", s.LogEvents), c("Telemetry", s.Telemetry),
		c("ItemsIn", s.Items), c("SkippedLines", s.SkippedLines), c("InProgressSpans", s.InProgressSpans), c("Unrouted", s.Unrouted), c("Undecodable", s.Undecodable),
		c("Panics", s.Panics), c("HeadersDropped", s.HeadersDropped),
		c("ItemsRouted", s.RoutedItems), c("RecordsOut", s.OutRecords), {Name: "BytesOut", Unit: emf.Bytes, Value: float64(s.BytesOut)},
		{Name: "PutUnitsIn", Unit: emf.Count, Value: float64(s.PutUnitsIn)}, {Name: "PutUnitsOut", Unit: emf.Count, Value: float64(s.PutUnitsOut)},
		c("PutCalls", s.PutCalls), c("PutRetried", s.PutRetried), c("PutFailed", s.PutFailed),
		c("DeadLetters", s.DeadLetters), c("DeadLetterFailures", s.DeadLetterFails), c("FailedRecords", s.Failed),
		{Name: "Duration", Unit: emf.Milliseconds, Value: float64(s.Duration.Microseconds()) / 1000},
	})
	for name, items := range s.Collectors {
		if err == nil {
			err = m.Emit(map[string]string{"Function": "ingest", "Collector": name}, []emf.Metric{c("ItemsRouted", items)})
		}
	}
	if err != nil {
		b.h.opts.Logger.Warn("cannot write metrics", "err", err)
	}
}
