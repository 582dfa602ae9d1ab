package export

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/emf"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// Routes yields the current routing table (route.Cached does).
type Routes interface {
	Table(ctx context.Context) (*route.Table, error)
}

// Sender sends one OTLP/HTTP request with retries (otlphttp.Client does).
type Sender interface {
	SendWithRetry(ctx context.Context, req otlphttp.Request, p otlphttp.RetryPolicy, observe func(otlphttp.Attempt)) (otlphttp.Response, otlphttp.Result, error)
}

// DeadLetters sends DLQ message bodies and reports each one's outcome
// (queue.Writer does).
type DeadLetters interface {
	Send(ctx context.Context, bodies []string) []error
}

// Defaults for Options.
const (
	DefaultMaxInFlight = 4
	DefaultMargin      = 3 * time.Second
	// MaxDLQMessageBytes is the largest DLQ message: SQS's maximum
	// message size, 1 MiB.
	MaxDLQMessageBytes = dlq.MaxBody
)

// Options tunes a Handler. The zero value of each field gives the default
// noted.
type Options struct {
	// MaxInFlight bounds the collectors sent to at once. Default 4.
	MaxInFlight int
	// Margin is kept free before the Lambda deadline to write the DLQ and
	// return: no send is attempted, and no retry waits, past deadline-Margin.
	// Default 3s.
	Margin time.Duration
	// Retry is the backoff policy; its Margin is replaced by Options.Margin.
	// The zero value takes otlphttp's defaults.
	Retry otlphttp.RetryPolicy
	// DLQMaxMessageBytes bounds one DLQ message. Default 256 KiB; at most
	// MaxDLQMessageBytes (1 MiB).
	DLQMaxMessageBytes int
	// Breaker tunes the per-collector circuit breaker.
	Breaker BreakerOptions
	// Insecure sends to collectors configured with insecure_skip_verify. It
	// must verify nothing, and exists only when the function's operator
	// allowed it explicitly (OTLPFWD_ALLOW_INSECURE_TLS=true, logged at
	// start). Nil: such collectors are sent to with verification on, and a
	// warning says why their TLS handshakes fail.
	Insecure Sender
	// SourceStream names the export stream in DLQ metadata when records do
	// not carry their event source ARN.
	SourceStream string
	// Logger receives one summary line per batch and a line per problem.
	// Default: discard.
	Logger *slog.Logger
	// Metrics receives the batch's outcome counters as EMF lines. Default:
	// none.
	Metrics *emf.Writer
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Handler handles batches of the export stream.
type Handler struct {
	routes   Routes
	send     Sender
	dlq      DeadLetters
	opts     Options
	breakers *breakers
	warned   sync.Map // collector names warned about insecure_skip_verify
}

// New returns a Handler; routes, send and dlq are required.
func New(routes Routes, send Sender, dlq DeadLetters, opts Options) (*Handler, error) {
	var errs []error
	if routes == nil {
		errs = append(errs, errors.New("export: no routes"))
	}
	if send == nil {
		errs = append(errs, errors.New("export: no OTLP/HTTP sender"))
	}
	if dlq == nil {
		errs = append(errs, errors.New("export: no dead-letter queue"))
	}
	if opts.DLQMaxMessageBytes > MaxDLQMessageBytes {
		errs = append(errs, fmt.Errorf("export: DLQ message size %d is above %d (1 MiB), the largest message SQS accepts", opts.DLQMaxMessageBytes, MaxDLQMessageBytes))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = DefaultMaxInFlight
	}
	if opts.Margin <= 0 {
		opts.Margin = DefaultMargin
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// Sends run under a context whose deadline already keeps Margin free.
	opts.Retry.Margin = -1
	return &Handler{routes: routes, send: send, dlq: dlq, opts: opts, breakers: newBreakers(opts.Breaker, opts.Now)}, nil
}

// Handle processes one shard batch. It returns an error only when the
// invocation cannot work at all (no routing table).
func (h *Handler) Handle(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	resp, _, err := h.Process(ctx, ev)
	return resp, err
}

// Process is Handle that also returns the batch's counts.
func (h *Handler) Process(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, Stats, error) {
	start := h.opts.Now()
	table, err := h.routes.Table(ctx)
	if err != nil {
		return events.KinesisEventResponse{}, Stats{}, fmt.Errorf("export: load collector routes: %w", err)
	}
	b := newBatch(h, table, ev)
	b.run(ctx)
	resp := events.KinesisEventResponse{}
	for i := range ev.Records {
		if b.retry[i] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: ev.Records[i].Kinesis.SequenceNumber})
		}
	}
	b.stats.Failed = len(resp.BatchItemFailures)
	b.stats.Duration = h.opts.Now().Sub(start)
	b.log()
	b.emit()
	return resp, b.stats, nil
}

// sender returns the sender for collector c: the insecure one only when c
// asks for it and the operator allowed it.
func (h *Handler) sender(c *route.Collector) Sender {
	if !c.InsecureSkipVerify {
		return h.send
	}
	if h.opts.Insecure != nil {
		return h.opts.Insecure
	}
	if _, done := h.warned.LoadOrStore(c.Name, true); !done {
		h.opts.Logger.Warn("collector sets insecure_skip_verify, but this function does not allow it (OTLPFWD_ALLOW_INSECURE_TLS is not true): TLS is verified",
			"collector", c.Name)
	}
	return h.send
}
