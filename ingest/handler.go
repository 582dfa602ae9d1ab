package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/aws/stream"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/emf"
	"github.com/otlpfwd/otlpfwd/shared/processor"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// Routes yields the current routing table (route.Cached does, refreshing
// from its source when stale).
type Routes interface {
	Table(ctx context.Context) (*route.Table, error)
}

// StreamWriter writes tier-2 records (stream.Writer does).
type StreamWriter interface {
	Put(ctx context.Context, entries []stream.Entry) stream.Result
}

// DeadLetters sends DLQ message bodies and reports each one's outcome
// (queue.Writer does).
type DeadLetters interface {
	Send(ctx context.Context, bodies []string) []error
}

// Defaults for Options.
const (
	DefaultMaxRecordBytes   = 1_000_000
	DefaultPartitionBuckets = 4
	DefaultMargin           = time.Second
)

// Options tunes a Handler. The zero value of each field gives the default
// noted.
type Options struct {
	// Region is the AWS region added to resources when a record does not
	// name one.
	Region string
	// SourceStream names the raw stream in DLQ metadata when records do not
	// carry their event source ARN.
	SourceStream string
	// MaxRecordBytes bounds a tier-2 record (data plus partition key).
	// Default DefaultMaxRecordBytes; MinRecordBytes to MaxRecordLimit
	// (Kinesis' 1 MiB less the longest partition key), else New fails.
	MaxRecordBytes int
	// PartitionBuckets spreads one collector's data over this many
	// partition keys ("collector#0".."collector#N-1"). Default 4. Each
	// invocation starts at the bucket after the previous one's, from a
	// random bucket per Handler, so that the data of every ingest instance
	// spreads too.
	PartitionBuckets int
	// DLQMaxMessageBytes bounds a DLQ message. Default 256 KiB.
	DLQMaxMessageBytes int
	// Margin is kept free before the Lambda deadline to report back.
	// Default 1s.
	Margin time.Duration
	// Chain decodes events. Default processor.Default().
	Chain *processor.Chain
	// Logger receives one summary line per batch and a line per problem.
	// Default: discard.
	Logger *slog.Logger
	// Metrics receives the batch's outcome counters as EMF lines. Default:
	// none.
	Metrics *emf.Writer
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Handler handles batches of the raw stream.
type Handler struct {
	routes Routes
	out    StreamWriter
	dlq    DeadLetters
	opts   Options
	bucket atomic.Uint64 // partition bucket of the next invocation's first records
}

// New returns a Handler. routes, out and dead are required.
func New(routes Routes, out StreamWriter, dead DeadLetters, opts Options) (*Handler, error) {
	var errs []error
	if routes == nil {
		errs = append(errs, errors.New("ingest: no routes"))
	}
	if out == nil {
		errs = append(errs, errors.New("ingest: no export stream writer"))
	}
	if dead == nil {
		errs = append(errs, errors.New("ingest: no dead-letter queue"))
	}
	if opts.DLQMaxMessageBytes > dlq.MaxBody {
		errs = append(errs, fmt.Errorf("ingest: DLQ message size %d is above %d (1 MiB), the largest message SQS accepts", opts.DLQMaxMessageBytes, dlq.MaxBody))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if opts.MaxRecordBytes <= 0 {
		opts.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if err := checkMaxRecordBytes(opts.MaxRecordBytes); err != nil {
		return nil, fmt.Errorf("ingest: MaxRecordBytes: %w", err)
	}
	if opts.PartitionBuckets <= 0 {
		opts.PartitionBuckets = DefaultPartitionBuckets
	}
	if opts.Margin <= 0 {
		opts.Margin = DefaultMargin
	}
	if opts.Chain == nil {
		opts.Chain = processor.Default()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Handler{routes: routes, out: out, dlq: dead, opts: opts}
	h.bucket.Store(rand.Uint64())
	return h, nil
}

// checkMaxRecordBytes checks a tier-2 record size limit.
func checkMaxRecordBytes(n int) error {
	switch {
	case n > MaxRecordLimit:
		return fmt.Errorf("%d bytes is more than a Kinesis record can hold with its partition key: at most %d (1 MiB less 256 bytes of partition key)", n, MaxRecordLimit)
	case n < MinRecordBytes:
		return fmt.Errorf("%d bytes is less than the smallest tier-2 record limit, %d", n, MinRecordBytes)
	}
	return nil
}

// Handle processes one Kinesis batch. It returns an error only when the
// invocation itself cannot work (no routing table at all); every per-record
// problem is dead-lettered or reported in BatchItemFailures.
func (h *Handler) Handle(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	resp, _, err := h.Process(ctx, ev)
	return resp, err
}

// Process is Handle that also returns the batch's counts.
func (h *Handler) Process(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, Stats, error) {
	start := h.opts.Now()
	table, err := h.routes.Table(ctx)
	if err != nil {
		return events.KinesisEventResponse{}, Stats{}, fmt.Errorf("ingest: load collector routes: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-h.opts.Margin))
		defer cancel()
	}
	b := newBatch(h, table, len(ev.Records), h.bucket.Add(1))
	for i := range ev.Records {
		b.add(i, &ev.Records[i])
	}
	b.finish()
	b.write(ctx)
	resp := events.KinesisEventResponse{}
	for i := range ev.Records {
		if b.retry[i] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: ev.Records[i].Kinesis.SequenceNumber})
		}
	}
	b.stats.Failed = len(resp.BatchItemFailures)
	b.stats.Duration = h.opts.Now().Sub(start)
	b.stats.Collectors = b.packs.routed
	b.log(ev)
	b.emit()
	return resp, b.stats, nil
}
