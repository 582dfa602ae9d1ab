package fake

import (
	"context"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

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
	if err := validateBatch(in); err != nil {
		return nil, err
	}
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		if r, ok := refusedRune(*e.MessageBody); ok {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InvalidMessageContents"), SenderFault: true,
				Message: aws.String(fmt.Sprintf("Invalid characters found: %U", r))})
			continue
		}
		f.bodies = append(f.bodies, *e.MessageBody)
		out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id, MessageId: e.Id})
	}
	return out, nil
}

// MaxBatchBytes is the total body size of one call that every queue
// accepts (256 KiB, the queue default before 2025).
const MaxBatchBytes = 256 << 10

// validateBatch refuses a call as SQS would.
func validateBatch(in *sqs.SendMessageBatchInput) error {
	if n := len(in.Entries); n == 0 || n > 10 {
		return &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", Message: fmt.Sprintf("%d entries, want 1 to 10", n), Fault: smithy.FaultClient}
	}
	total := 0
	for _, e := range in.Entries {
		total += len(aws.ToString(e.MessageBody))
	}
	if total > MaxBatchBytes {
		return &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.BatchRequestTooLong", Message: fmt.Sprintf("batch of %d bytes, more than %d", total, MaxBatchBytes), Fault: smithy.FaultClient}
	}
	return nil
}

// refusedRune returns the first character SQS refuses in a body: it
// accepts #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
func refusedRune(body string) (rune, bool) {
	for _, r := range body {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD, r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD && r != utf8.RuneError, r >= 0x10000 && r <= 0x10FFFF:
		case r == utf8.RuneError:
			// U+FFFD itself is allowed; invalid UTF-8 is not.
			if !utf8.ValidString(body) {
				return r, true
			}
		default:
			return r, true
		}
	}
	return 0, false
}

// Bodies returns the message bodies accepted so far.
func (f *SQS) Bodies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.bodies...)
}
