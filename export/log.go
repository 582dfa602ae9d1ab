package export

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
