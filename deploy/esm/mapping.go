package esm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// Mapping is one event source mapping: a Kinesis stream feeding one
// function. Its zero value is not usable; call New, then Run.
type Mapping struct {
	api     Kinesis
	stream  string // a name or an ARN, as given
	invoker Invoker
	opts    Options
	retries int // MaximumRetryAttempts, -1 for infinite

	running    atomic.Bool
	rediscover chan struct{} // asks Run to list shards now

	// Set by Run before any shard starts, read-only after.
	byARN       bool // address the stream by ARN rather than by name
	streamARN   string
	region      string
	functionARN string

	mu        sync.Mutex
	shards    map[string]*shard
	initial   map[string]bool // shards listed first, which get StartingPosition
	gen       uint64          // bumped by each WaitIdle
	listedGen uint64          // gen when the last successful listing started
	changed   chan struct{}   // closed and replaced on every state change
	stopped   bool
}

// New returns a mapping of stream (a name or an ARN) to the function behind
// invoker. It checks opts and lists every problem.
func New(api Kinesis, stream string, invoker Invoker, opts Options) (*Mapping, error) {
	o, retries, err := opts.withDefaults()
	var problems []error
	if err != nil {
		problems = append(problems, err)
	}
	if api == nil {
		problems = append(problems, errors.New("esm: no Kinesis client"))
	}
	if stream == "" {
		problems = append(problems, errors.New("esm: no stream name or ARN"))
	}
	if invoker == nil {
		problems = append(problems, errors.New("esm: no invoker"))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	return &Mapping{
		api:        api,
		stream:     stream,
		invoker:    invoker,
		opts:       o,
		retries:    retries,
		rediscover: make(chan struct{}, 1),
		shards:     map[string]*shard{},
		changed:    make(chan struct{}),
	}, nil
}

// Run polls the stream until ctx ends, then waits for the batches in flight
// to end and returns nil. It returns an error when the stream cannot be
// described or its shards listed at start; later Kinesis errors are logged
// and retried. Run may be called once.
func (m *Mapping) Run(ctx context.Context) error {
	if !m.running.CompareAndSwap(false, true) {
		return errors.New("esm: Run called more than once")
	}
	defer m.stop()
	if err := m.resolve(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	first := true
	for {
		err := m.discover(ctx, &wg, first)
		switch {
		case err == nil:
			first = false
		case ctx.Err() != nil:
			return nil
		case first:
			return err
		default:
			m.opts.Logger.Warn("list shards", "stream", m.streamARN, "err", err)
		}
		t := time.NewTimer(m.opts.DiscoveryInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-m.rediscover:
			t.Stop()
		case <-t.C:
		}
	}
}

// StreamARN is the stream's ARN, known once Run has described the stream.
func (m *Mapping) StreamARN() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.streamARN
}

// resolve describes the stream: its ARN, region and account.
func (m *Mapping) resolve(ctx context.Context) error {
	in := &kinesis.DescribeStreamSummaryInput{}
	byARN := strings.HasPrefix(m.stream, "arn:")
	if byARN {
		in.StreamARN = aws.String(m.stream)
	} else {
		in.StreamName = aws.String(m.stream)
	}
	out, err := m.api.DescribeStreamSummary(ctx, in)
	if err != nil {
		return fmt.Errorf("esm: describe stream %s (create it first): %w", m.stream, err)
	}
	if out.StreamDescriptionSummary == nil {
		return fmt.Errorf("esm: describe stream %s: no description", m.stream)
	}
	streamARN := aws.ToString(out.StreamDescriptionSummary.StreamARN)
	a, err := arn.Parse(streamARN)
	if err != nil {
		return fmt.Errorf("esm: stream %s has ARN %q: %w", m.stream, streamARN, err)
	}
	functionARN := m.opts.FunctionARN
	if functionARN == "" {
		functionARN = fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", a.Partition, a.Region, a.AccountID, m.opts.FunctionName)
	}
	m.mu.Lock()
	m.byARN, m.streamARN, m.region, m.functionARN = byARN, streamARN, a.Region, functionARN
	m.mu.Unlock()
	return nil
}

// streamRef sets the stream of a Kinesis call the way it was given.
func (m *Mapping) streamRef() (name, streamARN *string) {
	if m.byARN {
		return nil, aws.String(m.streamARN)
	}
	return aws.String(m.stream), nil
}

func (m *Mapping) key(shardID string) string {
	return checkpointKey(m.opts.FunctionName, m.streamARN, shardID)
}

// kick asks Run to list shards now.
func (m *Mapping) kick() {
	select {
	case m.rediscover <- struct{}{}:
	default:
	}
}

func (m *Mapping) stop() {
	m.mu.Lock()
	m.stopped = true
	m.notifyLocked()
	m.mu.Unlock()
}

// notifyLocked wakes WaitIdle.
func (m *Mapping) notifyLocked() {
	close(m.changed)
	m.changed = make(chan struct{})
}
