package esm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const (
	testRegion    = "eu-west-1"
	testStream    = "raw"
	testStreamARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/raw"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeKinesis is a scripted stream: shards hold records in memory, an
// iterator is "shardId/index".
type fakeKinesis struct {
	mu      sync.Mutex
	shards  []*fakeShard
	nextSeq int
	now     func() time.Time
	calls   int // GetRecords calls
	// beforeGetRecords runs (without the lock) before each GetRecords
	// answer, with the call's number from 1.
	beforeGetRecords func(call int)
	// getRecordsErr, when set, answers GetRecords call n with an error.
	getRecordsErr func(call int) error
}

type fakeShard struct {
	id, parent string
	closed     bool
	records    []types.Record
}

var _ Kinesis = (*fakeKinesis)(nil)

func newFakeKinesis(now func() time.Time, shardIDs ...string) *fakeKinesis {
	f := &fakeKinesis{now: now}
	for _, id := range shardIDs {
		f.shards = append(f.shards, &fakeShard{id: id})
	}
	return f
}

func shardID(i int) string { return fmt.Sprintf("shardId-%012d", i) }

func (f *fakeKinesis) shard(id string) *fakeShard {
	for _, s := range f.shards {
		if s.id == id {
			return s
		}
	}
	return nil
}

// put appends a record to a shard and returns its sequence number, 56
// digits like AWS's.
func (f *fakeKinesis) put(shardID, key, data string) string {
	return f.putAt(shardID, key, []byte(data), time.Time{})
}

func (f *fakeKinesis) putAt(shardID, key string, data []byte, arrival time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextSeq++
	seq := fmt.Sprintf("4959%052d", f.nextSeq)
	if arrival.IsZero() {
		arrival = f.now()
	}
	s := f.shard(shardID)
	s.records = append(s.records, types.Record{
		SequenceNumber:              aws.String(seq),
		PartitionKey:                aws.String(key),
		Data:                        data,
		ApproximateArrivalTimestamp: aws.Time(arrival),
	})
	return seq
}

func (f *fakeKinesis) DescribeStreamSummary(_ context.Context, in *kinesis.DescribeStreamSummaryInput, _ ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error) {
	if aws.ToString(in.StreamName) != testStream && aws.ToString(in.StreamARN) != testStreamARN {
		return nil, &types.ResourceNotFoundException{Message: aws.String("no such stream")}
	}
	return &kinesis.DescribeStreamSummaryOutput{StreamDescriptionSummary: &types.StreamDescriptionSummary{
		StreamName: aws.String(testStream), StreamARN: aws.String(testStreamARN),
	}}, nil
}

func (f *fakeKinesis) ListShards(_ context.Context, _ *kinesis.ListShardsInput, _ ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &kinesis.ListShardsOutput{}
	for _, s := range f.shards {
		sh := types.Shard{ShardId: aws.String(s.id), SequenceNumberRange: &types.SequenceNumberRange{StartingSequenceNumber: aws.String("0")}}
		if s.parent != "" {
			sh.ParentShardId = aws.String(s.parent)
		}
		if s.closed {
			// AWS's ending numbers lie past the last record.
			sh.SequenceNumberRange.EndingSequenceNumber = aws.String(strings.Repeat("9", 56))
		}
		out.Shards = append(out.Shards, sh)
	}
	return out, nil
}

func (f *fakeKinesis) GetShardIterator(_ context.Context, in *kinesis.GetShardIteratorInput, _ ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.shard(aws.ToString(in.ShardId))
	if s == nil {
		return nil, &types.ResourceNotFoundException{Message: aws.String("no such shard")}
	}
	i := 0
	switch in.ShardIteratorType {
	case types.ShardIteratorTypeTrimHorizon:
	case types.ShardIteratorTypeLatest:
		i = len(s.records)
	case types.ShardIteratorTypeAfterSequenceNumber:
		for i < len(s.records) && compareSeq(*s.records[i].SequenceNumber, *in.StartingSequenceNumber) <= 0 {
			i++
		}
	case types.ShardIteratorTypeAtTimestamp:
		for i < len(s.records) && s.records[i].ApproximateArrivalTimestamp.Before(*in.Timestamp) {
			i++
		}
	default:
		return nil, fmt.Errorf("fake: iterator type %s", in.ShardIteratorType)
	}
	return &kinesis.GetShardIteratorOutput{ShardIterator: aws.String(s.id + "/" + strconv.Itoa(i))}, nil
}

func (f *fakeKinesis) GetRecords(_ context.Context, in *kinesis.GetRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error) {
	f.mu.Lock()
	f.calls++
	call := f.calls
	f.mu.Unlock()
	if f.beforeGetRecords != nil {
		f.beforeGetRecords(call)
	}
	if f.getRecordsErr != nil {
		if err := f.getRecordsErr(call); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id, pos, _ := strings.Cut(aws.ToString(in.ShardIterator), "/")
	s := f.shard(id)
	i, err := strconv.Atoi(pos)
	if s == nil || err != nil {
		return nil, &types.InvalidArgumentException{Message: aws.String("bad iterator")}
	}
	end := min(len(s.records), i+int(aws.ToInt32(in.Limit)))
	out := &kinesis.GetRecordsOutput{Records: append([]types.Record{}, s.records[i:end]...)}
	if end < len(s.records) {
		out.MillisBehindLatest = aws.Int64(max(1, s.records[len(s.records)-1].ApproximateArrivalTimestamp.Sub(*s.records[end].ApproximateArrivalTimestamp).Milliseconds()))
	} else {
		out.MillisBehindLatest = aws.Int64(0)
	}
	if !s.closed || end < len(s.records) {
		out.NextShardIterator = aws.String(id + "/" + strconv.Itoa(end))
	}
	return out, nil
}

func (f *fakeKinesis) seqs(shardID string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.shard(shardID).records {
		out = append(out, *r.SequenceNumber)
	}
	return out
}

// invocation is one call a recorder saw.
type invocation struct {
	shard string
	seqs  []string
	keys  []string
	data  []string
	at    time.Time
	ev    events.KinesisEvent
}

// recorder is an Invoker that records every invocation and answers with fn
// (success when nil).
type recorder struct {
	mu    sync.Mutex
	calls []invocation
	now   func() time.Time
	fn    func(n int, inv invocation) (events.KinesisEventResponse, error)
}

var _ Invoker = (*recorder)(nil)

func (r *recorder) Invoke(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	inv := invocation{ev: ev}
	if r.now != nil {
		inv.at = r.now()
	}
	for _, rec := range ev.Records {
		shard, _, _ := strings.Cut(rec.EventID, ":")
		inv.shard = shard
		inv.seqs = append(inv.seqs, rec.Kinesis.SequenceNumber)
		inv.keys = append(inv.keys, rec.Kinesis.PartitionKey)
		inv.data = append(inv.data, string(rec.Kinesis.Data))
	}
	r.mu.Lock()
	r.calls = append(r.calls, inv)
	n := len(r.calls)
	r.mu.Unlock()
	if r.fn == nil {
		return events.KinesisEventResponse{}, nil
	}
	return r.fn(n, inv)
}

func (r *recorder) invocations() []invocation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]invocation{}, r.calls...)
}

// seqsOf lists the sequence numbers of each invocation.
func seqsOf(invs []invocation) [][]string {
	var out [][]string
	for _, inv := range invs {
		out = append(out, inv.seqs)
	}
	return out
}

// destination records on-failure records; failFirst sends fail.
type destination struct {
	mu        sync.Mutex
	records   []FailureRecord
	raw       [][]byte
	failFirst int
	attempts  int
}

var _ Destination = (*destination)(nil)

func (d *destination) Send(_ context.Context, body []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.attempts++
	if d.attempts <= d.failFirst {
		return fmt.Errorf("queue unavailable")
	}
	var fr FailureRecord
	if err := jsonUnmarshal(body, &fr); err != nil {
		return err
	}
	d.records = append(d.records, fr)
	d.raw = append(d.raw, body)
	return nil
}

func (d *destination) all() []FailureRecord {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]FailureRecord{}, d.records...)
}

// savedCheckpoints records every Save.
type savedCheckpoints struct {
	*MemoryCheckpoints
	mu    sync.Mutex
	saves []string
}

func (s *savedCheckpoints) Save(ctx context.Context, key, seq string) error {
	s.mu.Lock()
	s.saves = append(s.saves, seq)
	s.mu.Unlock()
	return s.MemoryCheckpoints.Save(ctx, key, seq)
}

func (s *savedCheckpoints) history() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.saves...)
}

// testOptions are fast options for unit tests.
func testOptions(t *testing.T) Options {
	return Options{
		PollInterval:      time.Millisecond,
		DiscoveryInterval: 20 * time.Millisecond,
		RetryBackoff:      time.Millisecond,
		Logger:            testLogger(t),
	}
}

func testLogger(t *testing.T) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// running is a mapping under test.
type running struct {
	m      *Mapping
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// start runs a mapping until the test ends.
func start(t *testing.T, api Kinesis, inv Invoker, opts Options) *running {
	t.Helper()
	m, err := New(api, testStream, inv, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{m: m, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- m.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels Run and waits for it.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	r.once.Do(func() {
		select {
		case err := <-r.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(time.Minute):
			t.Fatal("Run did not return within a minute of its cancellation")
		}
	})
}

// idle waits until the mapping has caught up.
func (r *running) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.m.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
