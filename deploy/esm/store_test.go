package esm

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

func TestFileCheckpoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cp.json")
	c, err := OpenFileCheckpoints(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if got, err := c.Load(ctx, "a"); got != "" || err != nil {
		t.Fatalf("Load from a new store = %q, %v", got, err)
	}
	for _, kv := range [][2]string{{"a", "1"}, {"b", "2"}, {"a", "3"}} {
		if err := c.Save(ctx, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	again, err := OpenFileCheckpoints(path)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"a": "3", "b": "2"} {
		if got, _ := again.Load(ctx, key); got != want {
			t.Errorf("reopened %s = %q, want %q", key, got, want)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d files, want only the checkpoints (no temporary files)", len(entries))
	}
	os.WriteFile(path, []byte("{not json"), 0o644)
	if _, err := OpenFileCheckpoints(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("opening a corrupt file = %v, want an error naming it", err)
	}
}

type fakeSQS struct {
	in []*sqs.SendMessageInput
}

func (f *fakeSQS) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	f.in = append(f.in, in)
	return &sqs.SendMessageOutput{MessageId: aws.String("m1")}, nil
}

func TestSQSDestination(t *testing.T) {
	f := &fakeSQS{}
	d := NewSQSDestination(f, "http://queue/dlq")
	if err := d.Send(t.Context(), []byte(`{"version":"1.0"}`)); err != nil {
		t.Fatal(err)
	}
	if len(f.in) != 1 || aws.ToString(f.in[0].QueueUrl) != "http://queue/dlq" || aws.ToString(f.in[0].MessageBody) != `{"version":"1.0"}` {
		t.Errorf("sent %+v", f.in)
	}
}

// TestFailureRecordShape pins the JSON names of Lambda's on-failure record
// for Kinesis (kinesis-on-failure-destination).
func TestFailureRecordShape(t *testing.T) {
	fr := FailureRecord{
		RequestContext:  FailureRequestContext{RequestID: "c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5", FunctionARN: "arn:aws:lambda:us-east-2:123456789012:function:myfunction", Condition: RetryAttemptsExhausted, ApproximateInvokeCount: 1},
		ResponseContext: &FailureResponseContext{StatusCode: 200, ExecutedVersion: "$LATEST", FunctionError: "Unhandled"},
		Version:         "1.0",
		Timestamp:       "2019-11-14T00:38:06.021Z",
		KinesisBatchInfo: KinesisBatchInfo{
			ShardID: "shardId-000000000001", StartSequenceNumber: "49601189658422359378836298521827638475320189012309704722",
			EndSequenceNumber: "49601189658422359378836298522902373528957594348623495186", ApproximateArrivalOfFirstRecord: "2019-11-14T00:38:04.835Z",
			ApproximateArrivalOfLastRecord: "2019-11-14T00:38:05.580Z", BatchSize: 500, StreamARN: "arn:aws:kinesis:us-east-2:123456789012:stream/mystream",
		},
	}
	want := `{"requestContext":{"requestId":"c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5","functionArn":"arn:aws:lambda:us-east-2:123456789012:function:myfunction","condition":"RetryAttemptsExhausted","approximateInvokeCount":1},` +
		`"responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},"version":"1.0","timestamp":"2019-11-14T00:38:06.021Z",` +
		`"KinesisBatchInfo":{"shardId":"shardId-000000000001","startSequenceNumber":"49601189658422359378836298521827638475320189012309704722","endSequenceNumber":"49601189658422359378836298522902373528957594348623495186",` +
		`"approximateArrivalOfFirstRecord":"2019-11-14T00:38:04.835Z","approximateArrivalOfLastRecord":"2019-11-14T00:38:05.580Z","batchSize":500,"streamArn":"arn:aws:kinesis:us-east-2:123456789012:stream/mystream"}}`
	if got := mustJSON(t, fr); got != want {
		t.Errorf("JSON\n got %s\nwant %s", got, want)
	}
}

func TestOptionsListEveryProblem(t *testing.T) {
	_, err := New(nil, "", nil, Options{
		BatchSize: 10_001, MaximumBatchingWindow: 301e9, MaxBatchBytes: MaxPayloadBytes + 1,
		ParallelizationFactor: 11, StartingPosition: "EARLIEST", MaximumRetryAttempts: aws.Int(-2),
		MaximumRecordAgeInSeconds: 59,
	})
	if err == nil {
		t.Fatal("New with bad options succeeded")
	}
	for _, want := range []string{"BatchSize", "MaximumBatchingWindow", "MaxBatchBytes", "ParallelizationFactor", "StartingPosition",
		"MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "Kinesis client", "stream", "invoker"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %s: %v", want, err)
		}
	}
	if _, err := New(newFakeKinesis(nil), "s", &recorder{}, Options{StartingPosition: AtTimestamp}); err == nil {
		t.Error("AT_TIMESTAMP without a timestamp accepted")
	}
}

func TestRunFailsOnAMissingStream(t *testing.T) {
	m, err := New(newFakeKinesis(newClock().Now), "nope", &recorder{}, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Run = %v, want an error naming the stream", err)
	}
	if err := m.WaitIdle(t.Context()); err != ErrStopped {
		t.Errorf("WaitIdle after Run = %v, want ErrStopped", err)
	}
	if err := m.Run(t.Context()); err == nil {
		t.Error("second Run succeeded")
	}
}

func TestCompareSeq(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{{"1", "2", -1}, {"10", "9", 1}, {"", "0", 0}, {"49590338271490256608559692540925702759324208523137515618", "49590338271490256608559692538361571095921575989136588898", 1}}
	for _, tc := range cases {
		if got := compareSeq(tc.a, tc.b); got != tc.want {
			t.Errorf("compareSeq(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
