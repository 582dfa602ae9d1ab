package stream

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/cenkalti/backoff/v4"
)

// PutRecordsAPI is the part of the Kinesis client the Writer uses.
type PutRecordsAPI interface {
	PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error)
}

// Limits of one PutRecords call.
const (
	MaxEntries = 500
	MaxBytes   = 5 << 20
)

// Entry is one record to write.
type Entry struct {
	Data         []byte
	PartitionKey string
}

// Options tunes a Writer. The zero value gives the defaults noted.
type Options struct {
	// Margin is kept free before the context deadline: no retry starts
	// after deadline-Margin. Default 0 (the caller passes a context whose
	// deadline already holds its margin).
	Margin time.Duration
	// InitialInterval and MaxInterval shape the backoff between retries of
	// failed entries. Defaults 100ms and 2s.
	InitialInterval time.Duration
	MaxInterval     time.Duration
	// MaxAttempts bounds the calls per entry; 0 means until the deadline
	// (or 10 when the context has none).
	MaxAttempts int
}

// errNotAttempted marks an entry no call has settled yet.
var errNotAttempted = errors.New("not written: no PutRecords call completed for it")

// Writer writes entries to one stream.
type Writer struct {
	api    PutRecordsAPI
	stream string
	opts   Options
}

// NewWriter returns a Writer for the stream, given by name or ARN.
func NewWriter(api PutRecordsAPI, stream string, opts Options) *Writer {
	if opts.InitialInterval <= 0 {
		opts.InitialInterval = 100 * time.Millisecond
	}
	if opts.MaxInterval <= 0 {
		opts.MaxInterval = 2 * time.Second
	}
	return &Writer{api: api, stream: stream, opts: opts}
}

// Result is what Put did.
type Result struct {
	// Errs[i] is nil when entries[i] was written, else why it was not.
	Errs []error
	// Calls counts PutRecords calls; Retried counts entries written again
	// after a failure.
	Calls, Retried int
	// Waited is the time spent in backoff.
	Waited time.Duration
}

// Failed counts the entries not written.
func (r *Result) Failed() int {
	n := 0
	for _, e := range r.Errs {
		if e != nil {
			n++
		}
	}
	return n
}

// Put writes entries, retrying failed ones until they succeed, attempts run
// out or the deadline (minus Margin) comes. It never returns early because
// of one entry: the result says which entries failed.
func (w *Writer) Put(ctx context.Context, entries []Entry) Result {
	res := Result{Errs: make([]error, len(entries))}
	pending := make([]int, len(entries))
	for i := range entries {
		pending[i] = i
		res.Errs[i] = errNotAttempted
	}
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = w.opts.InitialInterval
	bo.MaxInterval = w.opts.MaxInterval
	bo.MaxElapsedTime = 0
	bo.Reset()
	maxAttempts := w.opts.MaxAttempts
	deadline, hasDeadline := ctx.Deadline()
	if hasDeadline {
		deadline = deadline.Add(-w.opts.Margin)
	} else if maxAttempts == 0 {
		maxAttempts = 10
	}
	for attempt := 1; len(pending) > 0; attempt++ {
		if attempt > 1 {
			wait := bo.NextBackOff()
			if maxAttempts > 0 && attempt > maxAttempts {
				break
			}
			if hasDeadline && time.Now().Add(wait).After(deadline) {
				break
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return res
			case <-t.C:
			}
			res.Waited += wait
			res.Retried += len(pending)
		}
		var next []int
		for _, chunk := range chunks(entries, pending) {
			res.Calls++
			failed := w.call(ctx, entries, chunk, res.Errs)
			next = append(next, failed...)
		}
		pending = next
		if ctx.Err() != nil {
			break
		}
	}
	return res
}

// call makes one PutRecords call for the entries at idx, records each
// entry's outcome in errs and returns the indexes that failed.
func (w *Writer) call(ctx context.Context, entries []Entry, idx []int, errs []error) []int {
	in := &kinesis.PutRecordsInput{Records: make([]types.PutRecordsRequestEntry, len(idx))}
	if isARN(w.stream) {
		in.StreamARN = aws.String(w.stream)
	} else {
		in.StreamName = aws.String(w.stream)
	}
	for j, i := range idx {
		in.Records[j] = types.PutRecordsRequestEntry{Data: entries[i].Data, PartitionKey: aws.String(entries[i].PartitionKey)}
	}
	out, err := w.api.PutRecords(ctx, in)
	if err != nil {
		err = fmt.Errorf("kinesis PutRecords to %s: %w", w.stream, err)
		for _, i := range idx {
			errs[i] = err
		}
		return idx
	}
	if len(out.Records) != len(idx) {
		err = fmt.Errorf("kinesis PutRecords to %s: %d results for %d entries", w.stream, len(out.Records), len(idx))
		for _, i := range idx {
			errs[i] = err
		}
		return idx
	}
	var failed []int
	for j, r := range out.Records {
		i := idx[j]
		if r.ErrorCode != nil && *r.ErrorCode != "" {
			errs[i] = fmt.Errorf("kinesis PutRecords to %s: %s: %s", w.stream, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
			failed = append(failed, i)
			continue
		}
		errs[i] = nil
	}
	return failed
}

// chunks splits the pending indexes into calls of at most MaxEntries
// entries and MaxBytes bytes (data plus partition key).
func chunks(entries []Entry, pending []int) [][]int {
	var out [][]int
	var cur []int
	size := 0
	for _, i := range pending {
		n := len(entries[i].Data) + len(entries[i].PartitionKey)
		if len(cur) > 0 && (len(cur) == MaxEntries || size+n > MaxBytes) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, i)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func isARN(s string) bool { return len(s) > 4 && s[:4] == "arn:" }

// PutUnitBytes is the size of a Kinesis PUT payload unit: each record is
// billed in units of 25 KB, rounded up.
const PutUnitBytes = 25 * 1024

// PutUnits is the PUT payload units of a record of n bytes (data plus
// partition key).
func PutUnits(n int) int64 { return int64((n + PutUnitBytes - 1) / PutUnitBytes) }
