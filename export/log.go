package export

import (
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/emf"
)

// log writes the batch's summary line.
func (b *batch) log() {
	shard, first, last := "", "", ""
	if n := len(b.ev.Records); n > 0 {
		shard = shardID(b.ev.Records[0].EventID)
		first, last = b.ev.Records[0].Kinesis.SequenceNumber, b.ev.Records[n-1].Kinesis.SequenceNumber
	}
	s := &b.stats
	reasons := make(map[string]int, len(s.DeadReasons))
	for r, n := range s.DeadReasons {
		if n != 0 {
			reasons[string(r)] = n
		}
	}
	b.h.opts.Logger.Info("export batch",
		"shard_id", shard, "first_seq", first, "last_seq", last,
		"records", s.Records, "bytes", s.BytesIn, "items", s.Items, "undecodable", s.Undecodable,
		"requests", s.Requests, "bytes_out", s.BytesOut, "attempts", s.Attempts, "waited_ms", s.Waited.Milliseconds(),
		"delivered", s.Delivered, "partial_rejected", s.PartialRejected,
		"dead_lettered", s.DeadLettered, "dead_reasons", reasons, "dead_letters", s.DeadLetters,
		"dead_letter_failures", s.DeadLetterFails, "failed_records", s.Failed, "duration_ms", s.Duration.Milliseconds())
}

// emit writes the batch's counters as EMF: one line for the function and
// one per collector (delivered and dead-lettered items by reason).
func (b *batch) emit() {
	m := b.h.opts.Metrics
	if m == nil {
		return
	}
	s := &b.stats
	c := func(name string, v int) emf.Metric { return emf.Metric{Name: name, Unit: emf.Count, Value: float64(v)} }
	err := m.Emit(map[string]string{"Function": "export"}, []emf.Metric{
		c("RecordsIn", s.Records), {Name: "BytesIn", Unit: emf.Bytes, Value: float64(s.BytesIn)}, c("ItemsIn", s.Items),
		c("Undecodable", s.Undecodable), c("Requests", s.Requests), {Name: "BytesOut", Unit: emf.Bytes, Value: float64(s.BytesOut)},
		c("Delivered", s.Delivered), c("PartialRejected", int(s.PartialRejected)), c("DeadLettered", s.DeadLettered),
		c("DeadLetters", s.DeadLetters), c("DeadLetterFailures", s.DeadLetterFails),
		c("Attempts", s.Attempts), c("Retries", max(0, s.Attempts-s.Requests)),
		{Name: "RetryWait", Unit: emf.Milliseconds, Value: float64(s.Waited.Milliseconds())},
		c("FailedRecords", s.Failed), {Name: "Duration", Unit: emf.Milliseconds, Value: float64(s.Duration.Microseconds()) / 1000},
	})
	for name, cs := range s.Collectors {
		if err != nil {
			break
		}
		open := 0
		if cs.CircuitOpen {
			open = 1
		}
		err = m.Emit(map[string]string{"Function": "export", "Collector": name}, []emf.Metric{
			c("ItemsIn", cs.Items), c("Requests", cs.Requests), c("Delivered", cs.Delivered), c("DeadLettered", cs.DeadLettered), c("CircuitOpen", open),
		})
	}
	for _, r := range dlq.Reasons {
		if err != nil {
			break
		}
		if n := s.DeadReasons[r]; n > 0 {
			err = m.Emit(map[string]string{"Function": "export", "Reason": string(r)}, []emf.Metric{c("DeadLettered", n)})
		}
	}
	if err != nil {
		b.h.opts.Logger.Warn("cannot write metrics", "err", err)
	}
}
