package esm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// StartingPosition is where a mapping reads a shard it has no checkpoint
// for.
type StartingPosition string

// Starting positions, as in CreateEventSourceMapping.
const (
	TrimHorizon StartingPosition = "TRIM_HORIZON"
	Latest      StartingPosition = "LATEST"
	AtTimestamp StartingPosition = "AT_TIMESTAMP"
)

// Limits and defaults of a Kinesis event source mapping
// (services-kinesis-parameters, CreateEventSourceMapping).
const (
	DefaultBatchSize         = 100
	MaxBatchSize             = 10_000
	MaxBatchingWindow        = 300 * time.Second
	MaxPayloadBytes          = 6 * 1024 * 1024 // synchronous invocation payload
	MaxParallelizationFactor = 10
	MaxRetryAttempts         = 10_000
	MinRecordAgeInSeconds    = 60
	MaxRecordAgeInSeconds    = 604_800
)

// Defaults of this poller's own knobs.
const (
	DefaultPollInterval      = 200 * time.Millisecond
	DefaultDiscoveryInterval = 10 * time.Second
	DefaultRetryBackoff      = 100 * time.Millisecond
	DefaultFunctionName      = "function"
)

// Options configures a Mapping. The zero value of each field gives the
// default noted, which is Lambda's where Lambda has one.
type Options struct {
	// FunctionName names the function in logs, checkpoint keys and the
	// on-failure record. Default "function".
	FunctionName string
	// FunctionARN is the on-failure record's functionArn. Default
	// arn:aws:lambda:REGION:ACCOUNT:function:FunctionName, from the stream's
	// ARN.
	FunctionARN string
	// InvokeIdentityARN is every event record's invokeIdentityArn (the
	// function's execution role). Default empty.
	InvokeIdentityARN string

	// BatchSize is the most records per invocation, 1 to 10,000. Default
	// 100.
	BatchSize int
	// MaximumBatchingWindow is how long to gather records before invoking,
	// 0 to 300 s (Lambda takes whole seconds). Default 0: invoke as soon as
	// records are read.
	MaximumBatchingWindow time.Duration
	// MaxBatchBytes caps the event JSON of one invocation, up to Lambda's
	// 6 MB payload limit. Default (and at most) MaxPayloadBytes.
	MaxBatchBytes int
	// ParallelizationFactor is how many batches of one shard run at once,
	// 1 to 10, spread by partition key. Default 1.
	ParallelizationFactor int
	// StartingPosition applies to shards without a checkpoint that exist
	// when Run starts. Default TrimHorizon.
	StartingPosition StartingPosition
	// StartingPositionTimestamp is required with AtTimestamp.
	StartingPositionTimestamp time.Time

	// BisectBatchOnFunctionError splits a failed batch in two and retries
	// each half.
	BisectBatchOnFunctionError bool
	// MaximumRetryAttempts is how many times a failed batch is retried,
	// -1 (infinite) or 0 to 10,000. Nil: -1, Lambda's default; use
	// aws.Int(n) to set it.
	MaximumRetryAttempts *int
	// MaximumRecordAgeInSeconds discards older records: -1 (infinite) or 60
	// to 604,800. Zero: -1, Lambda's default.
	MaximumRecordAgeInSeconds int
	// ReportBatchItemFailures enables partial batch responses
	// (FunctionResponseTypes [ReportBatchItemFailures]).
	ReportBatchItemFailures bool
	// OnFailure receives a record of each discarded batch. Nil: discarded
	// records are dropped (and logged, and counted).
	OnFailure Destination

	// Checkpoints keeps each shard's progress. Default: in memory, lost when
	// the process ends; use a FileCheckpoints to resume after a restart.
	Checkpoints Checkpoints
	// Logger receives one line per batch at DEBUG and a line per problem.
	// Default: discard.
	Logger *slog.Logger
	// Now is the clock for record age, batching windows and timestamps.
	// Default time.Now.
	Now func() time.Time
	// Sleep waits between polls and before retries; it returns early with
	// ctx's error. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// PollInterval is the pause between GetRecords calls on a shard, which
	// keeps under Kinesis' 5 calls per second per shard. Default 200 ms.
	PollInterval time.Duration
	// DiscoveryInterval is how often shards are listed again to find new
	// ones. Default 10 s. Shard ends and WaitIdle list them at once too.
	DiscoveryInterval time.Duration
	// RetryBackoff is the first pause before retrying a batch, a Kinesis
	// call or an on-failure send; it doubles up to 64 times that. Default
	// 100 ms.
	RetryBackoff time.Duration
}

// withDefaults validates o and fills in its defaults, listing every problem.
func (o Options) withDefaults() (Options, int, error) {
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	if o.FunctionName == "" {
		o.FunctionName = DefaultFunctionName
	}
	switch {
	case o.BatchSize == 0:
		o.BatchSize = DefaultBatchSize
	case o.BatchSize < 1 || o.BatchSize > MaxBatchSize:
		bad("BatchSize %d is outside 1 to %d", o.BatchSize, MaxBatchSize)
	}
	if o.MaximumBatchingWindow < 0 || o.MaximumBatchingWindow > MaxBatchingWindow {
		bad("MaximumBatchingWindow %v is outside 0 to %v", o.MaximumBatchingWindow, MaxBatchingWindow)
	}
	switch {
	case o.MaxBatchBytes == 0:
		o.MaxBatchBytes = MaxPayloadBytes
	case o.MaxBatchBytes < 0 || o.MaxBatchBytes > MaxPayloadBytes:
		bad("MaxBatchBytes %d is outside 1 to %d", o.MaxBatchBytes, MaxPayloadBytes)
	}
	switch {
	case o.ParallelizationFactor == 0:
		o.ParallelizationFactor = 1
	case o.ParallelizationFactor < 1 || o.ParallelizationFactor > MaxParallelizationFactor:
		bad("ParallelizationFactor %d is outside 1 to %d", o.ParallelizationFactor, MaxParallelizationFactor)
	}
	switch o.StartingPosition {
	case "":
		o.StartingPosition = TrimHorizon
	case TrimHorizon, Latest:
	case AtTimestamp:
		if o.StartingPositionTimestamp.IsZero() {
			bad("StartingPosition AT_TIMESTAMP needs StartingPositionTimestamp")
		}
	default:
		bad("StartingPosition %q is not TRIM_HORIZON, LATEST or AT_TIMESTAMP", o.StartingPosition)
	}
	retries := -1
	if o.MaximumRetryAttempts != nil {
		retries = *o.MaximumRetryAttempts
		if retries < -1 || retries > MaxRetryAttempts {
			bad("MaximumRetryAttempts %d is neither -1 nor 0 to %d", retries, MaxRetryAttempts)
		}
	}
	switch age := o.MaximumRecordAgeInSeconds; {
	case age == 0:
		o.MaximumRecordAgeInSeconds = -1
	case age == -1:
	case age < MinRecordAgeInSeconds || age > MaxRecordAgeInSeconds:
		bad("MaximumRecordAgeInSeconds %d is neither -1 nor %d to %d", age, MinRecordAgeInSeconds, MaxRecordAgeInSeconds)
	}
	if o.PollInterval < 0 || o.DiscoveryInterval < 0 || o.RetryBackoff < 0 {
		bad("PollInterval, DiscoveryInterval and RetryBackoff must not be negative")
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.DiscoveryInterval == 0 {
		o.DiscoveryInterval = DefaultDiscoveryInterval
	}
	if o.RetryBackoff == 0 {
		o.RetryBackoff = DefaultRetryBackoff
	}
	if o.Checkpoints == nil {
		o.Checkpoints = NewMemoryCheckpoints()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if err := errors.Join(problems...); err != nil {
		return o, 0, fmt.Errorf("esm options: %w", err)
	}
	return o, retries, nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff is the pause before the n-th retry (n >= 1).
func (o Options) backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	return o.RetryBackoff << min(n-1, 6)
}
