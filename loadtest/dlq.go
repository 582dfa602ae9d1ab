package loadtest

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// ReceiveAPI is the part of the SQS client PeekDLQ uses.
type ReceiveAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error)
}

// DLQTally is what PeekDLQ found.
type DLQTally struct {
	Messages    int            `json:"messages"`
	Items       int            `json:"items"`
	ByReason    map[string]int `json:"by_reason"`
	Undecodable int            `json:"undecodable_messages"`
}

// PeekDLQ reads every message of the queue without deleting it (each
// stays invisible for visibility seconds during the pass, so that it is
// seen once, and is made visible again at the end) and records the tagged
// items in the ledger as dead-lettered.
func PeekDLQ(ctx context.Context, api ReceiveAPI, url string, visibility int32, ledger *Ledger) (DLQTally, error) {
	t := DLQTally{ByReason: map[string]int{}}
	seen := map[string]bool{}
	var handles []string
	defer func() { release(ctx, api, url, handles) }()
	groups := map[string][]*dlq.Message{}
	for {
		out, err := api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
			VisibilityTimeout: visibility, MessageSystemAttributeNames: []types.MessageSystemAttributeName{}})
		if err != nil {
			return t, fmt.Errorf("read DLQ %s: %w", url, err)
		}
		if len(out.Messages) == 0 {
			break
		}
		fresh := 0
		for _, m := range out.Messages {
			id := aws.ToString(m.MessageId)
			if seen[id] {
				continue
			}
			seen[id] = true
			handles = append(handles, aws.ToString(m.ReceiptHandle))
			fresh++
			msg, err := dlq.Parse(aws.ToString(m.Body))
			if err != nil {
				return t, fmt.Errorf("DLQ message %s: %w", id, err)
			}
			t.Messages++
			t.ByReason[string(msg.Reason)]++
			if msg.Chunk != nil && msg.Chunk.Count > 1 {
				groups[msg.Chunk.Group] = append(groups[msg.Chunk.Group], msg)
				if len(groups[msg.Chunk.Group]) < msg.Chunk.Count {
					continue
				}
				if msg, err = dlq.Join(groups[msg.Chunk.Group]); err != nil {
					return t, err
				}
			}
			t.Items += tallyMessage(msg, ledger, &t)
		}
		if fresh == 0 {
			break
		}
	}
	return t, nil
}

// tallyMessage records a message's tagged items and returns how many.
func tallyMessage(m *dlq.Message, ledger *Ledger, t *DLQTally) int {
	sig := m.SignalOf()
	if m.Reason == dlq.Undecodable || !sig.Valid() {
		t.Undecodable++
		return 0
	}
	raw, err := m.Raw()
	if err != nil {
		t.Undecodable++
		return 0
	}
	ids, err := otlp.ItemAttrs(sig, raw, fixture.TestIDKey)
	if err != nil {
		t.Undecodable++
		return 0
	}
	for _, id := range ids {
		ledger.DeadLettered(id)
	}
	return len(ids)
}

// release makes peeked messages visible again, ten at a time.
func release(ctx context.Context, api ReceiveAPI, url string, handles []string) {
	for len(handles) > 0 {
		n := min(10, len(handles))
		in := &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url)}
		for i, h := range handles[:n] {
			in.Entries = append(in.Entries, types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: aws.String(h), VisibilityTimeout: 0})
		}
		_, _ = api.ChangeMessageVisibilityBatch(ctx, in) // best effort: otherwise they reappear after the timeout
		handles = handles[n:]
	}
}
