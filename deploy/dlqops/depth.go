package dlqops

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Depth is a queue's approximate message counts (SQS's own, which lag by
// up to a minute).
type Depth struct {
	// Visible messages can be received now.
	Visible int `json:"visible"`
	// InFlight messages were received and are invisible until their
	// visibility timeout ends or they are deleted.
	InFlight int `json:"in_flight"`
	// Delayed messages are not yet visible.
	Delayed int `json:"delayed"`
	// RetentionSeconds is how long a message stays before SQS drops it.
	RetentionSeconds int `json:"retention_seconds"`
}

// Total is every message the queue holds.
func (d Depth) Total() int { return d.Visible + d.InFlight + d.Delayed }

// GetDepth reads a queue's depth.
func GetDepth(ctx context.Context, api QueueAPI, url string) (Depth, error) {
	out, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{
		types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		types.QueueAttributeNameApproximateNumberOfMessagesDelayed, types.QueueAttributeNameMessageRetentionPeriod,
	}})
	if err != nil {
		return Depth{}, fmt.Errorf("read the depth of queue %s: %w", url, err)
	}
	n := func(k types.QueueAttributeName) int {
		v, _ := strconv.Atoi(out.Attributes[string(k)])
		return v
	}
	return Depth{
		Visible: n(types.QueueAttributeNameApproximateNumberOfMessages), InFlight: n(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible),
		Delayed: n(types.QueueAttributeNameApproximateNumberOfMessagesDelayed), RetentionSeconds: n(types.QueueAttributeNameMessageRetentionPeriod),
	}, nil
}
