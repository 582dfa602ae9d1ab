package queue

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

type fakeSQS struct {
	SendMessageBatchFn func(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error)
	calls              []*sqs.SendMessageBatchInput
}

var _ SendMessageBatchAPI = (*fakeSQS)(nil)

func (f *fakeSQS) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	f.calls = append(f.calls, in)
	return f.SendMessageBatchFn(in)
}

func accept(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String("m-" + *e.Id)})
	}
	return out, nil
}

func TestSendBatchesAndRetries(t *testing.T) {
	call := 0
	f := &fakeSQS{SendMessageBatchFn: func(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
		call++
		out, _ := accept(in)
		if call == 1 { // first entry fails on the service side, second is the sender's fault
			out.Successful = out.Successful[2:]
			out.Failed = []types.BatchResultErrorEntry{
				{Id: in.Entries[0].Id, Code: aws.String("InternalError"), Message: aws.String("try again"), SenderFault: false},
				{Id: in.Entries[1].Id, Code: aws.String("InvalidMessageContents"), Message: aws.String("bad char"), SenderFault: true},
			}
		}
		return out, nil
	}}
	w := NewWriter(f, "http://q/dlq", Options{InitialInterval: time.Millisecond, MaxBatchBytes: 100})
	bodies := []string{"a", "b", strings.Repeat("c", 60), strings.Repeat("d", 60), "e", "f", "g", "h", "i", "j", "k", "l"}
	errs := w.Send(context.Background(), bodies)
	if errs[0] != nil {
		t.Fatalf("retryable failure was not retried: %v", errs[0])
	}
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "InvalidMessageContents") {
		t.Fatalf("sender fault: err = %v", errs[1])
	}
	for i := 2; i < len(bodies); i++ {
		if errs[i] != nil {
			t.Fatalf("body %d: %v", i, errs[i])
		}
	}
	for _, c := range f.calls {
		size := 0
		for _, e := range c.Entries {
			size += len(*e.MessageBody)
		}
		if len(c.Entries) > MaxBatchEntries || (size > 100 && len(c.Entries) > 1) {
			t.Fatalf("batch of %d entries, %d bytes breaks the limits", len(c.Entries), size)
		}
	}
	last := f.calls[len(f.calls)-1]
	if len(last.Entries) != 1 || *last.Entries[0].MessageBody != "a" {
		t.Fatalf("retry call = %+v, want only body a", last.Entries)
	}
}
