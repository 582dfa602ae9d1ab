package fake

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/otlpfwd/otlpfwd/shared/aws/queue"
)

// SQS fakes SendMessageBatch.
type SQS struct {
	// SendMessageBatchFn answers a call; nil accepts every message.
	SendMessageBatchFn func(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error)

	mu     sync.Mutex
	bodies []string
}

var _ queue.SendMessageBatchAPI = (*SQS)(nil)

// SendMessageBatch records accepted bodies and answers with
// SendMessageBatchFn.
func (f *SQS) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.SendMessageBatchFn != nil {
		return f.SendMessageBatchFn(in)
	}
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		f.bodies = append(f.bodies, *e.MessageBody)
		out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id, MessageId: e.Id})
	}
	return out, nil
}

// Bodies returns the message bodies accepted so far.
func (f *SQS) Bodies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.bodies...)
}
