package fake

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/otlpfwd/otlpfwd/shared/aws/stream"
)

// Kinesis fakes PutRecords.
type Kinesis struct {
	// PutRecordsFn answers call n (from 1); nil accepts every entry.
	PutRecordsFn func(call int, in *kinesis.PutRecordsInput) (*kinesis.PutRecordsOutput, error)

	mu      sync.Mutex
	calls   []*kinesis.PutRecordsInput
	written []types.PutRecordsRequestEntry
}

var _ stream.PutRecordsAPI = (*Kinesis)(nil)

// PutRecords records the call and answers with PutRecordsFn.
func (f *Kinesis) PutRecords(_ context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in)
	out, err := AcceptAll(in), error(nil)
	if f.PutRecordsFn != nil {
		out, err = f.PutRecordsFn(len(f.calls), in)
	}
	if err != nil {
		return nil, err
	}
	for i, r := range out.Records {
		if r.ErrorCode == nil {
			f.written = append(f.written, in.Records[i])
		}
	}
	return out, nil
}

// Calls returns the calls made so far.
func (f *Kinesis) Calls() []*kinesis.PutRecordsInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*kinesis.PutRecordsInput(nil), f.calls...)
}

// Written returns the entries accepted so far.
func (f *Kinesis) Written() []types.PutRecordsRequestEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]types.PutRecordsRequestEntry(nil), f.written...)
}

// AcceptAll answers success for every entry.
func AcceptAll(in *kinesis.PutRecordsInput) *kinesis.PutRecordsOutput {
	out := &kinesis.PutRecordsOutput{Records: make([]types.PutRecordsResultEntry, len(in.Records))}
	for i := range out.Records {
		out.Records[i] = types.PutRecordsResultEntry{SequenceNumber: aws.String(fmt.Sprint(i)), ShardId: aws.String("shardId-000000000000")}
	}
	return out
}
