package fake

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

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
	if err := validatePut(in); err != nil {
		return nil, err
	}
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

// Kinesis's limits, which the real service enforces by refusing the whole
// call.
const (
	MaxPutEntries    = 500
	MaxPutBytes      = 5 << 20
	MaxRecordBytes   = 1 << 20 // data and partition key
	MaxPartitionKey  = 256
	validationFailed = "ValidationException"
)

// validatePut refuses a call as Kinesis would, so that a handler test
// cannot pass by writing what the service refuses.
func validatePut(in *kinesis.PutRecordsInput) error {
	fail := func(format string, a ...any) error {
		return &smithy.GenericAPIError{Code: validationFailed, Message: fmt.Sprintf(format, a...), Fault: smithy.FaultClient}
	}
	if n := len(in.Records); n == 0 || n > MaxPutEntries {
		return fail("records: %d entries, want 1 to %d", n, MaxPutEntries)
	}
	total := 0
	for i, r := range in.Records {
		k := len(aws.ToString(r.PartitionKey))
		if k == 0 || k > MaxPartitionKey {
			return fail("records.%d.member.partitionKey: length %d, want 1 to %d", i+1, k, MaxPartitionKey)
		}
		if n := len(r.Data) + k; n > MaxRecordBytes {
			return fail("records.%d.member.data: %d bytes with the partition key, more than %d", i+1, n, MaxRecordBytes)
		}
		total += len(r.Data) + k
	}
	if total > MaxPutBytes {
		return fail("the request's records hold %d bytes, more than %d", total, MaxPutBytes)
	}
	return nil
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
