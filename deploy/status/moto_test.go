package status

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/otlpfwd/otlpfwd/deploy/local"
	"github.com/otlpfwd/otlpfwd/deploy/svc/svctest"
	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/ingest"
	"github.com/otlpfwd/otlpfwd/shared/aws/setup"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

const appGroup = "/aws/lambda/checkout-api"

// pipeline is a moto server with the pipeline's resources, and one pass of
// real telemetry through the ingest and export handlers, whose output
// (JSON logs and EMF lines) is written to their log groups as Lambda
// would.
type pipeline struct {
	aws *local.AWS
	st  *local.Stack
	res Resources
	cw  *cloudwatch.Client
	// received counts the requests the collector answered.
	received atomic.Int64
}

// newPipeline provisions the resources; the collector answers code.
func newPipeline(t *testing.T, code int) *pipeline {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m := svctest.Moto(t)
	a, err := local.NewAWS(ctx, m.URL(), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	// moto speaks CloudWatch's Query protocol, not the SDK's default CBOR.
	p := &pipeline{aws: a, cw: cloudwatch.NewFromConfig(a.Config, func(o *cloudwatch.Options) { o.Protocol = awsquery.New(schemas.GraniteServiceVersion20100801) })}
	col := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		p.received.Add(1)
		w.WriteHeader(code)
	}))
	t.Cleanup(col.Close)
	p.st, err = a.Provision(ctx, local.Spec{Name: "pipe", RawShards: 2, ExportShards: 1, LogGroups: []string{appGroup},
		Collectors: []route.Collector{{Name: "main", Endpoint: col.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	p.res = Resources{Stack: "pipe", StackStatus: "UPDATE_COMPLETE", RawStream: p.st.RawStream, ExportStream: p.st.ExportStream,
		DLQURL: p.st.DLQURL, FailureQueueURL: p.st.FailureQueueURL, IngestFunction: "pipe-ingest", ExportFunction: "pipe-export",
		IngestLogGroup: "/aws/lambda/pipe-ingest", ExportLogGroup: "/aws/lambda/pipe-export"}
	for _, g := range []string{p.res.IngestLogGroup, p.res.ExportLogGroup} {
		if _, err := a.Logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(g)}); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// run logs the fixture lines in the application's log group and runs
// ingest, then export exportRuns times, over the streams.
func (p *pipeline) run(t *testing.T, exportRuns int) {
	t.Helper()
	ctx := context.Background()
	lines := strings.Split(strings.TrimSpace(string(fixture.Read(t, "envelope/v0.17.3-multi-service.jsonl"))), "\n")
	if err := p.aws.PutLogLines(ctx, appGroup, "2026/11/24/[$LATEST]abc", time.Now(), lines); err != nil {
		t.Fatal(err)
	}
	env, err := p.aws.LambdaEnv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env[route.EnvCollectorsSecretPrefix] = p.st.SecretPrefix
	env[setup.EnvOwnLogGroups] = p.res.IngestLogGroup + "," + p.res.ExportLogGroup
	env[ingest.EnvExportStream] = p.st.ExportStreamARN
	env[ingest.EnvDLQURL] = p.st.DLQURL
	env[export.EnvBreakerFailures] = "1"
	env[export.EnvMargin] = "100ms"
	get := func(k string) string { return env[k] }

	raw, err := p.aws.ReadStream(ctx, p.st.RawStreamARN)
	if err != nil {
		t.Fatal(err)
	}
	var ingestOut bytes.Buffer
	ih, err := ingest.FromEnv(ctx, get, &ingestOut)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ih.Handle(ctx, events.KinesisEvent{Records: raw}); err != nil {
		t.Fatal(err)
	}
	p.logs(t, p.res.IngestLogGroup, &ingestOut)

	recs, err := p.aws.ReadStream(ctx, p.st.ExportStreamARN)
	if err != nil || len(recs) == 0 {
		t.Fatalf("export stream: %d records, %v", len(recs), err)
	}
	var exportOut bytes.Buffer
	eh, err := export.FromEnv(ctx, get, &exportOut)
	if err != nil {
		t.Fatal(err)
	}
	for range exportRuns {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := eh.Handle(rctx, events.KinesisEvent{Records: recs})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	p.logs(t, p.res.ExportLogGroup, &exportOut)
}

// logs writes a function's output to its log group, one event per line.
func (p *pipeline) logs(t *testing.T, group string, out io.Reader) {
	t.Helper()
	var lines []string
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) == 0 {
		t.Fatalf("no output for %s", group)
	}
	if err := p.aws.PutLogLines(context.Background(), group, "2026/11/24/[$LATEST]fn", time.Now(), lines); err != nil {
		t.Fatal(err)
	}
}

func (p *pipeline) clients() Clients {
	return Clients{Streams: p.aws.Kinesis, Metrics: p.cw, Logs: p.aws.Logs, Queues: p.aws.SQS}
}

func problems(rep *Report, sev Severity) string {
	var b strings.Builder
	for _, pr := range rep.Problems {
		if pr.Severity == sev {
			b.WriteString(pr.What + " -> " + pr.Fix + "\n")
		}
	}
	return b.String()
}

// TestStatusHealthy: after a clean pass through the pipeline, status is
// healthy and shows what the functions' EMF lines say.
func TestStatusHealthy(t *testing.T) {
	p := newPipeline(t, 200)
	p.run(t, 1)
	rep, err := Check(context.Background(), p.clients(), p.res, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := WriteText(&text, rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Healthy || problems(rep, Unhealthy) != "" {
		t.Fatalf("unhealthy:\n%s", text.String())
	}
	if len(rep.Streams) != 2 || rep.Streams[0].OpenShards != 2 || rep.Streams[0].Status != "ACTIVE" || rep.Streams[1].OpenShards != 1 {
		t.Errorf("streams %+v", rep.Streams)
	}
	if len(rep.Collectors) != 1 || rep.Collectors[0].Name != "main" || rep.Collectors[0].Delivered != 18 || rep.Collectors[0].DeadLettered != 0 {
		t.Errorf("collectors %+v", rep.Collectors)
	}
	for _, f := range rep.Functions {
		if f.Batches != 1 || f.ErrorLines != 0 || f.Counters["RecordsIn"] == 0 {
			t.Errorf("function %+v", f)
		}
	}
	for _, q := range rep.Queues {
		if q.Depth.Total() != 0 {
			t.Errorf("queue %+v", q)
		}
	}
	for _, w := range []string{"Pipeline pipe (UPDATE_COMPLETE), last 15m0s: HEALTHY", "raw     pipe-raw", "main       18     18"} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("text lacks %q:\n%s", w, text.String())
		}
	}
	if p.received.Load() == 0 {
		t.Fatal("the collector received nothing")
	}
}

// TestStatusUnhealthy: the collector fails (its circuit opens), a batch
// went to the on-failure queue, the export function timed out once and
// the ingest function lags ten minutes behind its stream: status says so,
// and what to do.
func TestStatusUnhealthy(t *testing.T) {
	p := newPipeline(t, 503)
	p.run(t, 2)
	ctx := context.Background()
	if err := p.aws.PutLogLines(ctx, p.res.ExportLogGroup, "2026/11/24/[$LATEST]fn", time.Now(),
		[]string{"2026-11-24T10:00:00.000Z 7e1c Task timed out after 120.00 seconds"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.aws.SQS.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(p.st.FailureQueueURL),
		MessageBody: aws.String(`{"requestContext":{"condition":"RetryAttemptsExhausted"},"KinesisBatchInfo":{"shardId":"shardId-000000000000"}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/Lambda"), MetricData: []cwtypes.MetricDatum{{
		MetricName: aws.String("IteratorAge"), Dimensions: []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("pipe-ingest")}},
		Timestamp: aws.Time(time.Now().Add(-time.Minute)), Value: aws.Float64(600000), Unit: cwtypes.StandardUnitMilliseconds,
	}}}); err != nil {
		t.Fatal(err)
	}
	rep, err := Check(ctx, p.clients(), p.res, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := WriteText(&text, rep); err != nil {
		t.Fatal(err)
	}
	if rep.Healthy {
		t.Fatalf("healthy:\n%s", text.String())
	}
	bad := problems(rep, Unhealthy)
	for _, w := range []string{
		"2 messages wait in the dead-letter queue (circuit_open 1, retries_exhausted 1 in a sample of 2) -> see them with otlpfwd dlq inspect",
		"1 batch exhausted the event source mapping's retries",
		"pipe-ingest lags 10.0m behind the raw stream",
		`the export function logged 1 error line in the last 15m0s; last: "2026-11-24T10:00:00.000Z 7e1c Task timed out after 120.00 seconds"`,
		"collector main: its circuit was open in 1 batch",
		"otlpfwd dlq redrive --collector main",
	} {
		if !strings.Contains(bad, w) {
			t.Errorf("problems lack %q:\n%s", w, bad)
		}
	}
	c := rep.Collectors[0]
	if c.Delivered != 0 || c.DeadLettered != 36 || c.CircuitOpen != 1 {
		t.Errorf("collector %+v", c)
	}
	if s := rep.Streams[0]; s.IteratorAgeMs == nil || *s.IteratorAgeMs != 600000 || !strings.Contains(s.IteratorAgeSource, "AWS/Lambda IteratorAge") {
		t.Errorf("raw stream %+v", s)
	}
	t.Logf("\n%s", text.String())
	if !strings.Contains(text.String(), "UNHEALTHY") || !strings.Contains(text.String(), "10.0m") {
		t.Errorf("text:\n%s", text.String())
	}
	// The sample left the DLQ as it was.
	if q := rep.Queues[0]; q.Sampled != 2 {
		t.Errorf("dlq %+v", q)
	}
	if rep2, _ := Check(ctx, p.clients(), p.res, Options{}); rep2.Queues[0].Depth.Visible != rep.Queues[0].Depth.Visible {
		t.Errorf("the DLQ sample hid messages: %+v then %+v", rep.Queues[0].Depth, rep2.Queues[0].Depth)
	}
}

// TestStatusUnreadable: with nothing reachable, Check fails and says why.
func TestStatusUnreadable(t *testing.T) {
	p := newPipeline(t, 200)
	res := p.res
	res.RawStream, res.ExportStream, res.DLQURL, res.FailureQueueURL = "nope-raw", "nope-export", p.st.DLQURL+"-nope", p.st.FailureQueueURL+"-nope"
	_, err := Check(context.Background(), p.clients(), res, Options{})
	if err == nil || !strings.Contains(err.Error(), "could not read the pipeline at all") || !strings.Contains(err.Error(), "nope-raw") {
		t.Fatalf("error %v", err)
	}
}
