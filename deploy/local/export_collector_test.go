package local

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/otlpfwd/otlpfwd/deploy/svc/svctest"
	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/ingest"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// throughIngest logs lines, runs the ingest handler over the raw stream and
// returns the export stream's records.
func throughIngest(t *testing.T, ctx context.Context, a *AWS, st *Stack, group string, lines []string, out io.Writer) []events.KinesisEventRecord {
	t.Helper()
	if err := a.PutLogLines(ctx, group, "2026/11/24/[$LATEST]abc", time.Now(), lines); err != nil {
		t.Fatal(err)
	}
	raw, err := a.ReadStream(ctx, st.RawStreamARN)
	if err != nil {
		t.Fatal(err)
	}
	env, err := a.LambdaEnv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env[ingest.EnvExportStream] = st.ExportStreamARN
	env[ingest.EnvDLQURL] = st.DLQURL
	env[route.EnvCollectorsSecretPrefix] = st.SecretPrefix
	h, err := ingest.FromEnv(ctx, envFunc(env), out)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := h.Handle(ctx, events.KinesisEvent{Records: raw}); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("ingest: %v %v", err, resp.BatchItemFailures)
	}
	recs, err := a.ReadStream(ctx, st.ExportStreamARN)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// exportShards runs the export handler once per shard of records, as the
// event source mapping would, with the given invocation timeout.
func exportShards(t *testing.T, a *AWS, st *Stack, recs []events.KinesisEventRecord, timeout time.Duration, out io.Writer) {
	t.Helper()
	env, err := a.LambdaEnv(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	env[export.EnvDLQURL] = st.DLQURL
	env[export.EnvExportStream] = st.ExportStreamARN
	env[route.EnvCollectorsSecretPrefix] = st.SecretPrefix
	h, err := export.FromEnv(context.Background(), envFunc(env), out)
	if err != nil {
		t.Fatal(err)
	}
	byShard := map[string][]events.KinesisEventRecord{}
	for _, r := range recs {
		shard := r.EventID[:len("shardId-000000000000")]
		byShard[shard] = append(byShard[shard], r)
	}
	for shard, rs := range byShard {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		resp, err := h.Handle(ctx, events.KinesisEvent{Records: rs})
		cancel()
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("export %s: %v %v", shard, err, resp.BatchItemFailures)
		}
	}
}

// drainDLQ receives and deletes every message on the queue.
func drainDLQ(t *testing.T, ctx context.Context, a *AWS, url string) []*dlq.Message {
	t.Helper()
	var out []*dlq.Message
	for {
		res, err := a.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 0})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			return out
		}
		for _, m := range res.Messages {
			msg, err := dlq.Parse(aws.ToString(m.Body))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, msg)
			if _, err := a.SQS.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// letterIDs returns the test ids of the items a dead letter holds.
func letterIDs(t *testing.T, m *dlq.Message) []string {
	t.Helper()
	raw, err := m.Raw()
	if err != nil {
		t.Fatal(err)
	}
	ids, err := fixture.TestIDs(m.SignalOf(), raw)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

var pipelineFixtures = []string{"envelope/v0.17.3-multi-service.jsonl", "envelope/metrics-protobuf-gzip.jsonl", "envelope/logs-json.jsonl", "envelope/v0.17.3-gzip9.jsonl"}

// TestExportToRealCollector: ingest and export against moto deliver
// exactly the logged spans, data points and log records to the real
// OpenTelemetry Collector, read back from its file exporter.
func TestExportToRealCollector(t *testing.T) {
	_, a := startMoto(t)
	col := svctest.Collector(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const group = "/aws/lambda/checkout-api"
	st, err := a.Provision(ctx, Spec{Name: "exp", RawShards: 1, ExportShards: 2, LogGroups: []string{group},
		Collectors: []route.Collector{{Name: "otelcol", Endpoint: col.Endpoint()}}})
	if err != nil {
		t.Fatal(err)
	}
	lines, want := fixtureLines(t, pipelineFixtures...)
	recs := throughIngest(t, ctx, a, st, group, append(lines, "END RequestId: 1"), testOutput(t))
	exportShards(t, a, st, recs, 30*time.Second, testOutput(t))
	if got := svctest.CollectorIDs(t, col); !slices.Equal(got, want) {
		t.Fatalf("collector received %d items:\n%v\nwant %d:\n%v", len(got), got, len(want), want)
	}
	if dead := drainDLQ(t, ctx, a, st.DLQURL); len(dead) != 0 {
		t.Fatalf("%d dead letters on a clean run", len(dead))
	}
}

// TestExportCollector503ToDLQ: the real collector's exporter fails (503
// without Retry-After); export retries until its deadline margin, then
// dead-letters exactly the undelivered items in moto's SQS.
func TestExportCollector503ToDLQ(t *testing.T) {
	_, a := startMoto(t)
	col := svctest.Collector(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const group = "/aws/lambda/checkout-api"
	st, err := a.Provision(ctx, Spec{Name: "fail", RawShards: 1, ExportShards: 1, LogGroups: []string{group},
		Collectors: []route.Collector{{Name: "otelcol", Endpoint: col.Endpoint()}}})
	if err != nil {
		t.Fatal(err)
	}
	lines, want := fixtureLines(t, pipelineFixtures...)
	recs := throughIngest(t, ctx, a, st, group, lines, testOutput(t))
	exportShards(t, a, st, recs, 6*time.Second, testOutput(t))
	dead := drainDLQ(t, ctx, a, st.DLQURL)
	var got []string
	for _, m := range dead {
		if m.Reason != dlq.RetriesExhausted || m.Status != 503 || m.Attempts < 2 || m.Collector != "otelcol" {
			t.Fatalf("dead letter %s/%d after %d attempts for %s: want retries_exhausted, 503, retried", m.Reason, m.Status, m.Attempts, m.Collector)
		}
		got = append(got, letterIDs(t, m)...)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("dead letters hold %d items:\n%v\nwant %d:\n%v", len(got), got, len(want), want)
	}
	if n := len(svctest.CollectorIDs(t, col)); n != 0 {
		t.Fatalf("the failing collector stored %d items", n)
	}
}
