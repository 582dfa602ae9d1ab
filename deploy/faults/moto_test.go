package faults

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/otlpfwd/otlpfwd/deploy/svc/svctest"
)

// kinesisClient talks to endpoint; attempts is the SDK retryer's limit
// (1: the SDK never retries, so the test sees every injected fault).
func kinesisClient(endpoint string, attempts int) *kinesis.Client {
	return kinesis.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(endpoint),
	}, func(o *kinesis.Options) {
		o.Retryer = retry.AddWithMaxAttempts(retry.NewStandard(), attempts)
	})
}

func TestAgainstMoto(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	m := svctest.Moto(t)
	direct := kinesisClient(m.URL(), 1)
	createStream := func(t *testing.T, name string) string {
		t.Helper()
		if _, err := direct.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)}); err != nil {
			t.Fatalf("CreateStream %s: %v (log %s)", name, err, m.LogPath())
		}
		out, err := direct.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.StreamDescriptionSummary.StreamARN)
	}
	// stored reads back, straight from moto, the data the stream holds.
	stored := func(t *testing.T, name string) []string {
		t.Helper()
		it, err := direct.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(name),
			ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for iter := it.ShardIterator; iter != nil; {
			out, err := direct.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range out.Records {
				got = append(got, string(r.Data))
			}
			if len(out.Records) == 0 {
				break
			}
			iter = out.NextShardIterator
		}
		return got
	}
	entries := func(n int) []types.PutRecordsRequestEntry {
		var e []types.PutRecordsRequestEntry
		for i := range n {
			e = append(e, types.PutRecordsRequestEntry{Data: fmt.Appendf(nil, "rec-%d", i), PartitionKey: aws.String(fmt.Sprintf("pk-%d", i))})
		}
		return e
	}

	t.Run("KinesisPartialFailure", func(t *testing.T) {
		tests := []struct {
			name       string
			action     KinesisPartialFailure
			byARN      bool
			wantFailed []int
		}{
			{"every 3rd, by name", KinesisPartialFailure{Every: 3}, false, []int{2, 5, 8}},
			{"by key, by ARN", KinesisPartialFailure{Key: func(k string) bool { return k == "pk-0" || k == "pk-9" }}, true, []int{0, 9}},
			{"every entry", KinesisPartialFailure{Every: 1, ErrorCode: "InternalFailure", ErrorMessage: "boom"}, false, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				name := fmt.Sprintf("partial-%d", i)
				arn := createStream(t, name)
				p := startProxy(t, m.URL(), Options{})
				mustSet(t, p, Rule{Operation: "PutRecords", Times: 1, Action: tt.action})
				in := &kinesis.PutRecordsInput{Records: entries(10)}
				if tt.byARN {
					in.StreamARN = aws.String(arn)
				} else {
					in.StreamName = aws.String(name)
				}
				out, err := kinesisClient(p.URL(), 1).PutRecords(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				if got := int(aws.ToInt32(out.FailedRecordCount)); got != len(tt.wantFailed) || len(out.Records) != 10 {
					t.Fatalf("FailedRecordCount %d with %d entries, want %d with 10", got, len(out.Records), len(tt.wantFailed))
				}
				wantCode := tt.action.code()
				var wantStored []string
				for j, r := range out.Records {
					if slices.Contains(tt.wantFailed, j) {
						if aws.ToString(r.ErrorCode) != wantCode || r.SequenceNumber != nil || aws.ToString(r.ErrorMessage) == "" {
							t.Errorf("entry %d: %s %q seq %v, want failed with %s", j, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage), r.SequenceNumber, wantCode)
						}
						continue
					}
					if r.ErrorCode != nil || r.SequenceNumber == nil || aws.ToString(r.ShardId) != "shardId-000000000000" {
						t.Errorf("entry %d: error %s, seq %v, shard %s; want written", j, aws.ToString(r.ErrorCode), r.SequenceNumber, aws.ToString(r.ShardId))
					}
					wantStored = append(wantStored, fmt.Sprintf("rec-%d", j))
				}
				if code := tt.action.code(); code == "ProvisionedThroughputExceededException" && len(tt.wantFailed) > 0 {
					msg := aws.ToString(out.Records[tt.wantFailed[0]].ErrorMessage)
					if !strings.HasPrefix(msg, "Rate exceeded for shard") || !strings.Contains(msg, name) {
						t.Errorf("ErrorMessage %q does not name the stream", msg)
					}
				}
				if got := stored(t, name); !slices.Equal(got, wantStored) {
					t.Fatalf("moto holds %q, want exactly %q", got, wantStored)
				}
				if s := p.Stats(); s.DroppedRecords != int64(len(tt.wantFailed)) || s.Injected != 1 {
					t.Fatalf("stats %+v", s)
				}

				// Times used up: the failed entries go through on a retry.
				var retryEntries []types.PutRecordsRequestEntry
				for _, j := range tt.wantFailed {
					retryEntries = append(retryEntries, in.Records[j])
				}
				in.Records = retryEntries
				out, err = kinesisClient(p.URL(), 1).PutRecords(ctx, in)
				if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
					t.Fatalf("retry of the failed entries: %v, %v failed", err, out)
				}
				if got := stored(t, name); len(got) != 10 {
					t.Fatalf("after the retry moto holds %d records, want 10", len(got))
				}
			})
		}
	})

	t.Run("AWSError on one stream", func(t *testing.T) {
		createStream(t, "unavailable")
		createStream(t, "fine")
		p := startProxy(t, m.URL(), Options{})
		mustSet(t, p, Rule{Operation: "PutRecords", Stream: "unavailable", Times: 2,
			Action: AWSError(503, "ServiceUnavailable", "export stream unavailable for a while")})
		put := func(c *kinesis.Client, stream string) error {
			_, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries(1)})
			return err
		}
		once := kinesisClient(p.URL(), 1)
		err := put(once, "unavailable")
		var code interface{ ErrorCode() string }
		var status interface{ HTTPStatusCode() int }
		if !errors.As(err, &code) || code.ErrorCode() != "ServiceUnavailable" || !errors.As(err, &status) || status.HTTPStatusCode() != 503 {
			t.Fatalf("PutRecords with no SDK retry: %v, want ServiceUnavailable 503", err)
		}
		if err := put(once, "fine"); err != nil {
			t.Fatalf("another stream is not affected: %v", err)
		}
		// The SDK's default retryer (3 attempts) hides the one injected
		// failure left: the proxy sees two requests, the caller none.
		if err := put(kinesisClient(p.URL(), retry.DefaultMaxAttempts), "unavailable"); err != nil {
			t.Fatalf("PutRecords with SDK retries: %v", err)
		}
		var ops []string
		for _, r := range p.Requests() {
			ops = append(ops, fmt.Sprintf("%s %d", r.Operation, r.Status))
		}
		if want := []string{"PutRecords 503", "PutRecords 200", "PutRecords 503", "PutRecords 200"}; !slices.Equal(ops, want) {
			t.Fatalf("proxy saw %q, want %q", ops, want)
		}
		if got := stored(t, "unavailable"); len(got) != 1 {
			t.Fatalf("moto holds %d records on the stream, want 1", len(got))
		}
	})

	t.Run("ThrottlingException", func(t *testing.T) {
		createStream(t, "throttled")
		p := startProxy(t, m.URL(), Options{})
		mustSet(t, p, Rule{Operation: "PutRecords", Times: 1, Action: AWSError(400, "ThrottlingException", "Rate exceeded")})
		_, err := kinesisClient(p.URL(), 1).PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("throttled"), Records: entries(1)})
		var code interface{ ErrorCode() string }
		if !errors.As(err, &code) || code.ErrorCode() != "ThrottlingException" {
			t.Fatalf("got %v, want ThrottlingException", err)
		}
		if !retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool() {
			t.Fatal("the SDK does not take the injected error for throttling")
		}
	})

	t.Run("AWSError on one SQS queue", func(t *testing.T) {
		newSQS := func(endpoint string) *sqs.Client {
			return sqs.NewFromConfig(aws.Config{
				Region:       "us-east-1",
				Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
				BaseEndpoint: aws.String(endpoint),
			}, func(o *sqs.Options) { o.Retryer = retry.AddWithMaxAttempts(retry.NewStandard(), 1) })
		}
		urls := map[string]string{}
		for _, q := range []string{"otlpfwd-dlq", "other"} {
			out, err := newSQS(m.URL()).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(q)})
			if err != nil {
				t.Fatal(err)
			}
			urls[q] = aws.ToString(out.QueueUrl)
		}
		p := startProxy(t, m.URL(), Options{})
		mustSet(t, p, Rule{Operation: "SendMessageBatch", Queue: "otlpfwd-dlq",
			Action: AWSError(503, "ServiceUnavailable", "the queue is unavailable")})
		c := newSQS(p.URL())
		send := func(q string) error {
			_, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(urls[q]),
				Entries: []sqstypes.SendMessageBatchRequestEntry{{Id: aws.String("0"), MessageBody: aws.String("dead letter")}}})
			return err
		}
		err := send("otlpfwd-dlq")
		var code interface{ ErrorCode() string }
		if !errors.As(err, &code) || code.ErrorCode() != "ServiceUnavailable" {
			t.Fatalf("SendMessageBatch to the DLQ: %v, want ServiceUnavailable", err)
		}
		if err := send("other"); err != nil {
			t.Fatalf("another queue is not affected: %v", err)
		}
		if r := p.Requests()[0]; r.Operation != "SendMessageBatch" || r.Status != 503 || r.Forwarded {
			t.Fatalf("log entry %+v", r)
		}
	})
}
