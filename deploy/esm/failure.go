package esm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Conditions of an on-failure record: why Lambda discarded the records.
const (
	RetryAttemptsExhausted = "RetryAttemptsExhausted"
	RecordAgeExceeded      = "RecordAgeExceeded"
)

// FailureRecord is the document Lambda sends to the on-failure destination
// of a Kinesis mapping (kinesis-on-failure-destination, "Example invocation
// record"). It holds no record data, only where to find it in the stream.
type FailureRecord struct {
	RequestContext FailureRequestContext `json:"requestContext"`
	// ResponseContext describes the last invocation; it is absent when the
	// records were never invoked (they expired first).
	ResponseContext  *FailureResponseContext `json:"responseContext,omitempty"`
	Version          string                  `json:"version"`
	Timestamp        string                  `json:"timestamp"`
	KinesisBatchInfo KinesisBatchInfo        `json:"KinesisBatchInfo"`
}

// FailureRequestContext says which function gave up and why.
type FailureRequestContext struct {
	RequestID              string `json:"requestId"`
	FunctionARN            string `json:"functionArn"`
	Condition              string `json:"condition"`
	ApproximateInvokeCount int    `json:"approximateInvokeCount"`
}

// FailureResponseContext is the function's last answer.
type FailureResponseContext struct {
	StatusCode      int    `json:"statusCode"`
	ExecutedVersion string `json:"executedVersion"`
	// FunctionError is "Unhandled" when the function failed; empty when
	// it reported batch item failures.
	FunctionError string `json:"functionError,omitempty"`
}

// KinesisBatchInfo locates the discarded records.
type KinesisBatchInfo struct {
	ShardID                         string `json:"shardId"`
	StartSequenceNumber             string `json:"startSequenceNumber"`
	EndSequenceNumber               string `json:"endSequenceNumber"`
	ApproximateArrivalOfFirstRecord string `json:"approximateArrivalOfFirstRecord"`
	ApproximateArrivalOfLastRecord  string `json:"approximateArrivalOfLastRecord"`
	BatchSize                       int    `json:"batchSize"`
	StreamARN                       string `json:"streamArn"`
}

// failureTime is the timestamp layout of Kinesis on-failure records.
const failureTime = "2006-01-02T15:04:05.000Z"

func formatFailureTime(t time.Time) string { return t.UTC().Format(failureTime) }

// Destination receives on-failure records as JSON documents.
type Destination interface {
	Send(ctx context.Context, record []byte) error
}

// MessageSender sends one SQS message (*sqs.Client does).
type MessageSender interface {
	SendMessage(ctx context.Context, params *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// SQSDestination sends on-failure records to an SQS queue, one message each,
// as Lambda does.
type SQSDestination struct {
	client   MessageSender
	queueURL string
}

var _ Destination = (*SQSDestination)(nil)

// NewSQSDestination returns a destination for the queue at queueURL.
func NewSQSDestination(client MessageSender, queueURL string) *SQSDestination {
	return &SQSDestination{client: client, queueURL: queueURL}
}

// Send puts record on the queue.
func (d *SQSDestination) Send(ctx context.Context, record []byte) error {
	_, err := d.client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(d.queueURL),
		MessageBody: aws.String(string(record)),
	})
	if err != nil {
		return fmt.Errorf("send on-failure record to %s: %w", d.queueURL, err)
	}
	return nil
}

// newRequestID returns a random UUID (version 4), as Lambda's request ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
