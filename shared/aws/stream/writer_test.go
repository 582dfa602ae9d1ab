package stream

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

type fakeKinesis struct {
	PutRecordsFn func(in *kinesis.PutRecordsInput) (*kinesis.PutRecordsOutput, error)
	calls        []*kinesis.PutRecordsInput
}

var _ PutRecordsAPI = (*fakeKinesis)(nil)

func (f *fakeKinesis) PutRecords(_ context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	f.calls = append(f.calls, in)
	return f.PutRecordsFn(in)
}

// okAll answers success for every entry.
func okAll(in *kinesis.PutRecordsInput) (*kinesis.PutRecordsOutput, error) {
	out := &kinesis.PutRecordsOutput{Records: make([]types.PutRecordsResultEntry, len(in.Records))}
	for i := range out.Records {
		out.Records[i].SequenceNumber = aws.String(fmt.Sprint(i))
	}
	return out, nil
}

func entries(n, size int) []Entry {
	e := make([]Entry, n)
	for i := range e {
		e[i] = Entry{Data: make([]byte, size), PartitionKey: fmt.Sprintf("k%d", i)}
	}
	return e
}

func fast() Options {
	return Options{InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond}
}

func TestPutChunksByCountAndBytes(t *testing.T) {
	f := &fakeKinesis{PutRecordsFn: okAll}
	w := NewWriter(f, "export", fast())
	res := w.Put(context.Background(), append(entries(1200, 10), entries(6, 1<<20)...))
	if res.Failed() != 0 {
		t.Fatalf("failed = %d", res.Failed())
	}
	var sizes []int
	for _, c := range f.calls {
		total := 0
		for _, r := range c.Records {
			total += len(r.Data) + len(aws.ToString(r.PartitionKey))
		}
		if len(c.Records) > MaxEntries || total > MaxBytes {
			t.Fatalf("call with %d entries, %d bytes exceeds limits", len(c.Records), total)
		}
		if aws.ToString(c.StreamName) != "export" || c.StreamARN != nil {
			t.Fatalf("stream addressed as name=%v arn=%v", c.StreamName, c.StreamARN)
		}
		sizes = append(sizes, len(c.Records))
	}
	if fmt.Sprint(sizes) != "[500 500 204 2]" {
		t.Fatalf("calls carried %v entries, want [500 500 204 2] (200 small + four 1 MiB entries fill 5 MiB)", sizes)
	}
}

func TestPutRetriesOnlyFailedEntries(t *testing.T) {
	call := 0
	f := &fakeKinesis{PutRecordsFn: func(in *kinesis.PutRecordsInput) (*kinesis.PutRecordsOutput, error) {
		call++
		out, _ := okAll(in)
		if call == 1 { // entries 1 and 3 throttled
			for _, i := range []int{1, 3} {
				out.Records[i] = types.PutRecordsResultEntry{ErrorCode: aws.String("ProvisionedThroughputExceededException"), ErrorMessage: aws.String("Rate exceeded for shard")}
			}
			out.FailedRecordCount = aws.Int32(2)
		}
		return out, nil
	}}
	w := NewWriter(f, "arn:aws:kinesis:us-east-1:123456789012:stream/export", fast())
	in := entries(5, 3)
	res := w.Put(context.Background(), in)
	if res.Failed() != 0 || res.Calls != 2 || res.Retried != 2 {
		t.Fatalf("failed=%d calls=%d retried=%d, want 0, 2, 2", res.Failed(), res.Calls, res.Retried)
	}
	second := f.calls[1]
	if len(second.Records) != 2 || aws.ToString(second.Records[0].PartitionKey) != "k1" || aws.ToString(second.Records[1].PartitionKey) != "k3" {
		t.Fatalf("retry call carried %d entries (%v), want k1 and k3", len(second.Records), second.Records)
	}
	if aws.ToString(second.StreamARN) == "" {
		t.Fatal("an ARN must be sent as StreamARN")
	}
}

func TestPutGivesUpAtDeadline(t *testing.T) {
	f := &fakeKinesis{PutRecordsFn: func(in *kinesis.PutRecordsInput) (*kinesis.PutRecordsOutput, error) {
		out, _ := okAll(in)
		out.Records[0] = types.PutRecordsResultEntry{ErrorCode: aws.String("ProvisionedThroughputExceededException"), ErrorMessage: aws.String("slow down")}
		return out, nil
	}}
	// A writer that ignored the margin would retry until the context
	// ends; one that keeps it returns with the margin (a wide 400 ms, so
	// a loaded machine does not make this flaky) still ahead.
	w := NewWriter(f, "export", Options{InitialInterval: 20 * time.Millisecond, MaxInterval: 50 * time.Millisecond, Margin: 400 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	start := time.Now()
	res := w.Put(ctx, entries(3, 1))
	if ctx.Err() != nil {
		t.Fatalf("Put returned %v after start, with the context already ended: it ignored the margin", time.Since(start))
	}
	if res.Failed() != 1 || res.Errs[1] != nil || res.Errs[2] != nil {
		t.Fatalf("errs = %v; want only entry 0 failed", res.Errs)
	}
	if !strings.Contains(res.Errs[0].Error(), "ProvisionedThroughputExceededException") {
		t.Fatalf("error %q does not name the service's reason", res.Errs[0])
	}
	if res.Calls < 2 {
		t.Fatalf("only %d calls: the failed entry was not retried", res.Calls)
	}
}

func TestPutWholeCallError(t *testing.T) {
	f := &fakeKinesis{PutRecordsFn: func(*kinesis.PutRecordsInput) (*kinesis.PutRecordsOutput, error) {
		return nil, errors.New("connection refused")
	}}
	w := NewWriter(f, "export", Options{InitialInterval: time.Millisecond, MaxAttempts: 3})
	res := w.Put(context.Background(), entries(2, 1))
	if res.Failed() != 2 || res.Calls != 3 {
		t.Fatalf("failed=%d calls=%d, want 2 failed after 3 calls", res.Failed(), res.Calls)
	}
	if !strings.Contains(res.Errs[0].Error(), "connection refused") {
		t.Fatalf("error %q lost the cause", res.Errs[0])
	}
}
