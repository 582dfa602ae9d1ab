package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/aws/stream"
	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/cwlogs"
)

// RawSink writes log lines straight into the raw stream as CloudWatch Logs
// subscription payloads (gzip JSON, as a subscription delivers them),
// bypassing CloudWatch Logs: for rates a stand-in's PutLogEvents cannot
// carry, or to load the pipeline without log groups.
type RawSink struct {
	Writer *stream.Writer
	// Owner is the account id written in the payloads.
	Owner string
	seq   int64
}

// maxPayload keeps a payload under the 1 MiB Kinesis record limit.
const maxPayload = 900_000

// PutLogLines writes lines as one payload (or several, if large).
func (s *RawSink) PutLogLines(ctx context.Context, logGroup, logStream string, at time.Time, lines []string) error {
	p := cwlogs.Payload{MessageType: cwlogs.DataMessage, Owner: s.Owner, LogGroup: logGroup, LogStream: logStream, SubscriptionFilters: []string{"loadtest"}}
	var entries []stream.Entry
	size := 0
	flush := func() error {
		if len(p.LogEvents) == 0 {
			return nil
		}
		js, err := json.Marshal(p)
		if err != nil {
			return err
		}
		entries = append(entries, stream.Entry{Data: compress.Gzip(nil, js, 6), PartitionKey: logGroup + "/" + logStream})
		p.LogEvents, size = p.LogEvents[:0], 0
		return nil
	}
	for _, l := range lines {
		if size+len(l) > maxPayload*4 { // JSON compresses ~4x; stay well inside a record
			if err := flush(); err != nil {
				return err
			}
		}
		s.seq++
		p.LogEvents = append(p.LogEvents, cwlogs.LogEvent{ID: cwlogs.EventID(fmt.Sprintf("%056d", s.seq)), Timestamp: at.UnixMilli(), Message: l})
		size += len(l)
	}
	if err := flush(); err != nil {
		return err
	}
	res := s.Writer.Put(ctx, entries)
	for _, err := range res.Errs {
		if err != nil {
			return fmt.Errorf("raw sink: %w", err)
		}
	}
	return nil
}
