package ingest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
)

// maxProblemLines bounds the per-problem log lines of one batch; the summary
// line counts them all.
const maxProblemLines = 10

// deadLetter is input that could not be decoded, ready for the DLQ.
type deadLetter struct {
	src    int
	bodies []string
}

// undecodable dead-letters raw, the bytes of source record idx (the whole
// record, or one log event of it) that could not be decoded.
func (b *batch) undecodable(idx int, rec *events.KinesisEventRecord, logGroup string, raw []byte, cause error) {
	b.stats.Undecodable++
	now := b.h.opts.Now().UTC()
	seq := rec.Kinesis.SequenceNumber
	shard := shardID(rec.EventID)
	what := "record"
	if logGroup != "" {
		what = "log event of record"
	}
	msg := fmt.Sprintf("undecodable %s %s (shard %s, log group %q): %v; the raw bytes are in the DLQ (reason undecodable)", what, seq, shard, logGroup, cause)
	line := "undecodable input dead-lettered"
	if tl := (*tooLargeError)(nil); errors.As(cause, &tl) {
		// Decoded, but too large to forward: same path, plainer words.
		msg = fmt.Sprintf("%s %s (shard %s, log group %q) not forwarded: %v; the raw bytes are in the DLQ (reason undecodable)", what, seq, shard, logGroup, cause)
		line = "input too large for a tier-2 record dead-lettered"
	}
	if b.stats.Undecodable <= maxProblemLines {
		b.h.opts.Logger.Warn(line, "shard_id", shard, "seq", seq, "log_group", logGroup, "err", cause)
	}
	src := rec.EventSourceArn
	if src == "" {
		src = b.h.opts.SourceStream
	}
	meta := dlq.Message{
		Reason: dlq.Undecodable, Error: msg, FirstFailure: now, LastFailure: now, Attempts: 1,
		Source:   dlq.Source{Stream: src, Shard: shard, FirstSeq: seq, LastSeq: seq},
		LogGroup: logGroup,
	}
	bodies, err := dlq.Build(meta, raw, b.h.opts.DLQMaxMessageBytes)
	if err != nil {
		// Building cannot fail for raw bytes but through a bug; keep the
		// record in the stream rather than lose it.
		b.h.opts.Logger.Error("cannot build dead letter; the record stays in the stream", "shard_id", shard, "seq", seq, "err", err)
		b.retry[idx] = true
		b.stats.DeadLetterFails++
		return
	}
	b.dead = append(b.dead, deadLetter{src: idx, bodies: bodies})
}

// shardID is the shard part of a Kinesis event id ("shardId-000000000000:4954...").
func shardID(eventID string) string {
	if i := strings.IndexByte(eventID, ':'); i > 0 {
		return eventID[:i]
	}
	return eventID
}
