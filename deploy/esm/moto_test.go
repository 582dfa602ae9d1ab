package esm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/otlpfwd/otlpfwd/deploy/svc"
	"github.com/otlpfwd/otlpfwd/deploy/svc/svctest"
)

// motoConfig starts moto for the test and returns a configuration for it.
func motoConfig(t *testing.T, ctx context.Context) aws.Config {
	t.Helper()
	m := svctest.Moto(t)
	return aws.Config{
		Region:       testRegion,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(m.URL()),
	}
}

// createStream creates a stream of n shards.
func createStream(t *testing.T, ctx context.Context, client *kinesis.Client, name string, shards int32) string {
	t.Helper()
	if _, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatal(err)
	}
	out, err := client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.StreamDescriptionSummary.StreamARN)
}

// putRecords writes data, whose partition key follows a "/", and returns
// the shard each record went to, by data.
func putRecords(t *testing.T, ctx context.Context, client *kinesis.Client, stream string, data []string) map[string]string {
	t.Helper()
	shardOf := map[string]string{}
	for len(data) > 0 {
		n := min(len(data), 500)
		in := &kinesis.PutRecordsInput{StreamName: aws.String(stream)}
		for _, d := range data[:n] {
			_, key, ok := strings.Cut(d, "/")
			if !ok {
				key = "poison"
			}
			in.Records = append(in.Records, types.PutRecordsRequestEntry{Data: []byte(d), PartitionKey: aws.String(key)})
		}
		out, err := client.PutRecords(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("PutRecords: %d failed", aws.ToInt32(out.FailedRecordCount))
		}
		for i, r := range out.Records {
			shardOf[data[i]] = aws.ToString(r.ShardId)
		}
		data = data[n:]
	}
	return shardOf
}

// runMapping runs a mapping until the test ends.
func runMapping(t *testing.T, m *Mapping) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func TestMotoDeliversEveryRecordOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto_server (skipped with -short)")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	client := kinesis.NewFromConfig(motoConfig(t, ctx))
	for _, byARN := range []bool{false, true} {
		t.Run(fmt.Sprint("by ARN ", byARN), func(t *testing.T) {
			name := fmt.Sprint("raw-", byARN)
			streamARN := createStream(t, ctx, client, name, 3)
			var data []string
			for i := range 700 {
				data = append(data, fmt.Sprintf("record-%04d/key-%d", i, i%37))
			}
			shardOf := putRecords(t, ctx, client, name, data[:400])

			var mu sync.Mutex
			seen := map[string]int{}
			perShard := map[string][]string{} // data in delivery order
			handler := func(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
				mu.Lock()
				defer mu.Unlock()
				for _, r := range ev.Records {
					shard, _, _ := strings.Cut(r.EventID, ":")
					if r.EventSourceArn != streamARN || r.AwsRegion != testRegion {
						t.Errorf("record %s from %s in %s", r.EventID, r.EventSourceArn, r.AwsRegion)
					}
					seen[string(r.Kinesis.Data)]++
					perShard[shard] = append(perShard[shard], string(r.Kinesis.Data))
				}
				return events.KinesisEventResponse{}, nil
			}
			stream := name
			if byARN {
				stream = streamARN
			}
			m, err := New(client, stream, NewInProcess(handler, InProcessOptions{}), Options{
				BatchSize: 50, ParallelizationFactor: 2, Logger: testLogger(t),
			})
			if err != nil {
				t.Fatal(err)
			}
			runMapping(t, m)
			if err := m.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			// Records put while the mapping runs arrive too.
			for k, v := range putRecords(t, ctx, client, name, data[400:]) {
				shardOf[k] = v
			}
			if err := m.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}

			mu.Lock()
			defer mu.Unlock()
			for _, d := range data {
				if seen[d] != 1 {
					t.Errorf("%s delivered %d times, want once", d, seen[d])
				}
			}
			// In each shard, records of one key keep their order.
			for shard, got := range perShard {
				last := map[string]string{}
				for _, d := range got {
					if shardOf[d] != shard {
						t.Errorf("%s delivered from %s, put to %s", d, shard, shardOf[d])
					}
					_, key, _ := strings.Cut(d, "/")
					if last[key] > d {
						t.Errorf("shard %s key %s: %s after %s", shard, key, d, last[key])
					}
					last[key] = d
				}
			}
			st := m.Stats()
			if len(st.Shards) != 3 || st.Total().RecordsInvoked != len(data) || st.Total().Retries != 0 {
				t.Errorf("stats %+v", st)
			}
			for _, sh := range st.Shards {
				if sh.Checkpoint == "" && sh.RecordsRead > 0 {
					t.Errorf("shard %s read %d records and saved no checkpoint", sh.ShardID, sh.RecordsRead)
				}
			}
		})
	}
}

// buildFunction compiles testdata/kinesisfn.
func buildFunction(t *testing.T, ctx context.Context) string {
	t.Helper()
	bootstrap := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-o", bootstrap, "./testdata/kinesisfn")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build test Lambda: %v\n%s", err, out)
	}
	return bootstrap
}

func TestRIEWithMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Lambda, starts moto and the Runtime Interface Emulator (skipped with -short)")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cfg := motoConfig(t, ctx)
	rie, err := svc.StartRIE(ctx, svc.RIEOptions{
		Dir:       t.TempDir(),
		Bootstrap: buildFunction(t, ctx),
		Env:       []string{"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_REGION=" + testRegion},
		Timeout:   time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rie.Stop() })
	inv := NewRIEInvoker(rie.InvokeURL(), nil)

	t.Run("answers", func(t *testing.T) {
		event := func(data ...string) events.KinesisEvent {
			var ev events.KinesisEvent
			for i, d := range data {
				seq := fmt.Sprint(i + 1)
				ev.Records = append(ev.Records, events.KinesisEventRecord{EventID: "shardId-000000000000:" + seq,
					Kinesis: events.KinesisRecord{SequenceNumber: seq, Data: []byte(d)}})
			}
			return ev
		}
		resp, err := inv.Invoke(ctx, event("ok", "partial"))
		if err != nil || len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "2" {
			t.Errorf("partial batch = %+v, %v", resp, err)
		}
		var fe *FunctionError
		_, err = inv.Invoke(ctx, event("ok", "fail"))
		if !errors.As(err, &fe) || fe.Type != "errorString" || fe.Message != "poison record shardId-000000000000:2" {
			t.Errorf("failing batch: %#v, want a function error", err)
		}
		_, err = inv.Invoke(ctx, event("sleep"))
		if !errors.As(err, &fe) || fe.Type != "Sandbox.Timedout" || fe.Message != "Task timed out after 1.00 seconds" {
			t.Errorf("sleeping batch: %#v, want a timeout", err)
		}
		if _, err := inv.Invoke(ctx, event("ok")); err != nil {
			t.Errorf("after a timeout: %v", err)
		}
	})

	t.Run("poison record to the queue", func(t *testing.T) {
		client := kinesis.NewFromConfig(cfg)
		queues := sqs.NewFromConfig(cfg)
		q, err := queues.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("esm-dlq")})
		if err != nil {
			t.Fatal(err)
		}
		createStream(t, ctx, client, "fn", 2)
		var data []string
		for i := range 40 {
			data = append(data, fmt.Sprint("ok-", i, "/k", i%5))
		}
		data[17] = "fail"
		shardOf := putRecords(t, ctx, client, "fn", data)

		m, err := New(client, "fn", inv, Options{
			FunctionName:               "kinesisfn",
			BatchSize:                  16,
			BisectBatchOnFunctionError: true,
			MaximumRetryAttempts:       aws.Int(1),
			ReportBatchItemFailures:    true,
			OnFailure:                  NewSQSDestination(queues, aws.ToString(q.QueueUrl)),
			Logger:                     testLogger(t),
		})
		if err != nil {
			t.Fatal(err)
		}
		runMapping(t, m)
		if err := m.WaitIdle(ctx); err != nil {
			t.Fatal(err)
		}
		msgs, err := queues.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs.Messages) != 1 {
			t.Fatalf("%d on-failure messages, want 1", len(msgs.Messages))
		}
		var fr FailureRecord
		if err := json.Unmarshal([]byte(aws.ToString(msgs.Messages[0].Body)), &fr); err != nil {
			t.Fatal(err)
		}
		info := fr.KinesisBatchInfo
		if info.BatchSize != 1 || info.StartSequenceNumber != info.EndSequenceNumber || info.ShardID != shardOf["fail"] ||
			fr.RequestContext.Condition != RetryAttemptsExhausted || fr.RequestContext.FunctionARN != "arn:aws:lambda:eu-west-1:123456789012:function:kinesisfn" {
			t.Errorf("on-failure record %s", aws.ToString(msgs.Messages[0].Body))
		}
		// The record it names is the poison one.
		it, err := client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("fn"), ShardId: aws.String(info.ShardID),
			ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String(info.StartSequenceNumber)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(1)})
		if err != nil || len(got.Records) != 1 || string(got.Records[0].Data) != "fail" {
			t.Fatalf("the on-failure record points at %+v, %v", got, err)
		}
		st := m.Stats().Total()
		if st.OnFailureRecords != 1 || st.RecordsRead != 40 || st.Pending != 0 {
			t.Errorf("stats %+v", st)
		}
		if !slices.ContainsFunc(m.Stats().Shards, func(s ShardStats) bool { return s.Bisects > 0 }) {
			t.Errorf("no bisect: %+v", m.Stats())
		}
	})
}

// TestMotoSplitShard: after a split the parent ends and its children are
// read. (moto moves a split shard's records into its children, with new
// sequence numbers, so records put before the split come twice: a moto
// artifact, unlike AWS.)
func TestMotoSplitShard(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto_server (skipped with -short)")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	client := kinesis.NewFromConfig(motoConfig(t, ctx))
	createStream(t, ctx, client, "split", 1)
	putRecords(t, ctx, client, "split", []string{"before-1/a", "before-2/b"})

	var mu sync.Mutex
	seen := map[string]int{}
	handler := func(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range ev.Records {
			seen[string(r.Kinesis.Data)]++
		}
		return events.KinesisEventResponse{}, nil
	}
	cps := NewMemoryCheckpoints()
	m, err := New(client, "split", NewInProcess(handler, InProcessOptions{}), Options{Checkpoints: cps, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	runMapping(t, m)
	if err := m.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String("split"), ShardToSplit: aws.String(shardID(0)),
		NewStartingHashKey: aws.String("170141183460469231731687303715884105728")}); err != nil {
		t.Fatal(err)
	}
	var after []string
	for i := range 20 {
		after = append(after, fmt.Sprintf("after-%d/k%d", i, i))
	}
	putRecords(t, ctx, client, "split", after)
	if err := m.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, d := range append(after, "before-1/a", "before-2/b") {
		if seen[d] == 0 {
			t.Errorf("%s not delivered", d)
		}
	}
	st := m.Stats()
	if len(st.Shards) != 3 || st.Shards[0].State != "ended" || st.Shards[0].Checkpoint != ShardEnd {
		t.Errorf("stats after the split %+v", st)
	}
}
