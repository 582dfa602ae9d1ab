package dlqops

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// scriptedQueue answers each ReceiveMessage with the next list of message
// ids of its script, then with nothing.
type scriptedQueue struct {
	QueueAPI
	script   [][]string
	receives int
}

func (q *scriptedQueue) ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	q.receives++
	if len(q.script) == 0 {
		return &sqs.ReceiveMessageOutput{}, nil
	}
	ids := q.script[0]
	q.script = q.script[1:]
	out := &sqs.ReceiveMessageOutput{}
	for _, id := range ids {
		out.Messages = append(out.Messages, types.Message{MessageId: aws.String(id), ReceiptHandle: aws.String(id + "-" + strconv.Itoa(q.receives)), Body: aws.String("{}")})
	}
	return out, nil
}

// TestReceiverSeenIsNotIdle: receives that bring back only messages seen
// before (their lease ran out during a long run) do not end the read while
// unread messages remain; only empty receives do.
func TestReceiverSeenIsNotIdle(t *testing.T) {
	q := &scriptedQueue{script: [][]string{{"a"}, {"a"}, {"a"}, {"a"}, {"b"}}}
	rc := newReceiver(q, "url", time.Minute, 0, time.Now)
	var got []string
	for {
		batch, done, err := rc.next(context.Background(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			break
		}
		for _, m := range batch {
			got = append(got, m.ID)
		}
	}
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("read %v, want [a b]", got)
	}
	// Five scripted receives, then two empty ones end it.
	if q.receives != 7 {
		t.Fatalf("%d receives, want 7", q.receives)
	}
	if rc.latest["a"] != "a-4" {
		t.Errorf("a's latest receipt %q, want the last receive's", rc.latest["a"])
	}
}
