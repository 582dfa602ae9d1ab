package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/otlpfwd/otlpfwd/deploy/local"
	"github.com/otlpfwd/otlpfwd/deploy/stack"
	"github.com/otlpfwd/otlpfwd/deploy/svc"
	"github.com/otlpfwd/otlpfwd/deploy/svc/svctest"
	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/shared/aws/queue"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/fixture/synth"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// TestOpsUsage checks that wrong flags exit 2 with a message that names the
// fix, before any AWS call.
func TestOpsUsage(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"subscribe nothing", []string{"subscribe", "--yes"}, "no log groups to subscribe: name them"},
		{"subscribe no terminal", []string{"subscribe", "/aws/lambda/a"}, "refusing to subscribe log groups without confirmation: the input is not a terminal; pass --yes"},
		{"subscribe distribution", []string{"subscribe", "/a", "--yes", "--distribution", "Even"}, `--distribution "Even": want ByLogStream or Random`},
		{"account policy with names", []string{"subscribe", "--account-policy", "/a", "--yes"}, "--account-policy covers every log group"},
		{"empty prefix", []string{"subscribe", "--prefix", "", "--yes"}, "--prefix is empty"},
		{"bad stack name", []string{"subscribe", "/a", "--yes", "--stack-name", "1bad"}, `--stack-name "1bad"`},
		{"bad output", []string{"subscriptions", "-o", "yaml"}, `--output "yaml": want table or json`},
		{"unsubscribe all and names", []string{"unsubscribe", "--all", "/a", "--yes"}, "--all selects every log group"},
		{"unsubscribe no terminal", []string{"unsubscribe", "--all"}, "refusing to unsubscribe log groups without confirmation"},
		{"dlq alone", []string{"dlq"}, "name a subcommand: otlpfwd dlq inspect or otlpfwd dlq redrive"},
		{"inspect peek", []string{"dlq", "inspect", "--peek", "-1"}, "--peek -1: want 0 or more"},
		{"inspect visibility", []string{"dlq", "inspect", "--visibility-timeout", "13h"}, "--visibility-timeout 13h0m0s: want 1s to 12h"},
		{"redrive undecodable", []string{"dlq", "redrive", "--yes", "--reason", "undecodable"}, "cannot be sent again"},
		{"redrive reason", []string{"dlq", "redrive", "--yes", "--reason", "bogus"}, `--reason "bogus": want permanent, retries_exhausted or circuit_open`},
		{"redrive rate", []string{"dlq", "redrive", "--yes", "--rate", "0"}, "--rate 0: want a positive number"},
		{"redrive lease", []string{"dlq", "redrive", "--yes", "--visibility-timeout", "30s"}, "--visibility-timeout 30s: want 1m41s to 12h"},
		{"redrive export stream", []string{"dlq", "redrive", "--yes", "--export-stream", "x"}, "--export-stream goes with --to-stream"},
		{"redrive no terminal", []string{"dlq", "redrive"}, "refusing to redrive without confirmation"},
		{"redrive argument", []string{"dlq", "redrive", "--yes", "extra"}, "unknown command"},
		{"status since", []string{"status", "--since", "1s"}, "--since 1s: want 1m to 336h"},
		{"status flag", []string{"status", "--window", "1m"}, "unknown flag: --window"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, c.args...)
			if code != ExitUsage || !strings.Contains(stderr, c.want) || stdout != "" {
				t.Fatalf("exit %d, stderr %q, stdout %q; want exit 2 and %q", code, stderr, stdout, c.want)
			}
		})
	}
	// Every problem at once.
	_, _, stderr := run(t, nil, "dlq", "redrive", "--rate", "-1", "--concurrency", "0", "-o", "x")
	for _, w := range []string{"--rate", "--concurrency", "--output", "refusing to redrive"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q lacks %q", stderr, w)
		}
	}
}

func TestOpsHelp(t *testing.T) {
	for cmd, wants := range map[string][]string{
		"subscribe":     {"--prefix", "--filter-pattern", "--account-policy", "--dry-run", "--yes", "--profile", "--region", "--endpoint-url", "two subscription filters", "own log groups", "Exit status", "'/aws/lambda/prod-*'"},
		"unsubscribe":   {"--all", "--account-policy", "Exit status"},
		"subscriptions": {"--prefix", "5 per second", "Exit status"},
		"dlq":           {"retries_exhausted", "circuit_open", "undecodable", "14 days"},
		"dlq inspect":   {"--peek", "--max-messages", "without deleting anything", "Exit status"},
		"dlq redrive":   {"--to-stream", "--to-collector", "--rate", "--max", "--dry-run", "interrupt", "deleted only", "Exit status"},
		"status":        {"--since", "IteratorAge", "on-failure queue", "Exit status: 0 healthy"},
	} {
		code, stdout, _ := run(t, nil, append(strings.Fields(cmd), "--help")...)
		if code != ExitOK {
			t.Fatalf("%s --help: exit %d", cmd, code)
		}
		for _, w := range wants {
			if !strings.Contains(stdout, w) {
				t.Errorf("%s --help lacks %q", cmd, w)
			}
		}
	}
}

// ops runs the operating commands against the moto stack of d.
func (d *motoDeploy) ops(stdin string, args ...string) (int, string, string) {
	d.t.Helper()
	var out, errOut bytes.Buffer
	std := IO{In: strings.NewReader(stdin), Out: &out, Err: &errOut}
	root := &cobra.Command{Use: "otlpfwd", SilenceUsage: true, SilenceErrors: true}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(opsCommandsWith(std, opsDeps{loadAWS: loadAWS, isTerminal: func(io.Reader) bool { return d.interactive }, isTerminalOut: func(io.Writer) bool { return false }})...)
	a := slices.Clone(args)
	// Flags go after the subcommand path.
	i := 1
	if a[0] == "dlq" {
		i = 2
	}
	a = append(a[:i], append([]string{"--endpoint-url", d.url}, a[i:]...)...)
	root.SetArgs(a)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(context.Background())
	switch {
	case err == nil:
		return ExitOK, out.String(), errOut.String()
	case errors.As(err, new(usageError)):
		return ExitUsage, out.String(), errOut.String() + err.Error()
	default:
		return ExitError, out.String(), errOut.String() + err.Error()
	}
}

// TestOpsMoto deploys the stack to moto, then drives subscribe,
// subscriptions, unsubscribe, status, dlq inspect and dlq redrive as an
// operator would, checking what each did to the resources.
func TestOpsMoto(t *testing.T) {
	d := newMotoDeploy(t)
	ctx := context.Background()
	outs := createMotoStack(t, d)
	a, err := local.NewAWS(ctx, d.url, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"/aws/lambda/app-a", "/aws/lambda/app-b"} {
		if _, err := a.Logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(g)}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("missing stack", func(t *testing.T) {
		// status has no flags to name resources: the hint is about finding
		// the stack.
		code, _, stderr := d.ops("", "status", "--stack-name", "nope")
		if code != ExitError || !strings.Contains(stderr, "stack nope: stack does not exist (create it with otlpfwd deploy --stack-name nope); or check --stack-name, --region and --profile: it was looked for in region us-east-1") || strings.Contains(stderr, "--help") {
			t.Fatalf("status: exit %d\n%s", code, stderr)
		}
		// A command that can do without the stack names its flag.
		code, _, stderr = d.ops("", "dlq", "inspect", "--stack-name", "nope")
		if code != ExitError || !strings.Contains(stderr, "for a pipeline deployed another way, pass --queue-url") {
			t.Fatalf("inspect: exit %d\n%s", code, stderr)
		}
	})

	t.Run("subscribe", func(t *testing.T) {
		code, stdout, stderr := d.ops("", "subscribe", "/aws/lambda/*", "--dry-run")
		if code != ExitOK {
			t.Fatalf("dry run: exit %d\n%s%s", code, stdout, stderr)
		}
		for _, w := range []string{`Subscription filter "otlpfwd" -> ` + outs.Values[stack.OutputRawStreamArn], "pattern { $.__otel_otlp_stdout = * }",
			"create  /aws/lambda/app-a", "skip    /aws/lambda/otlpfwd-export", "would loop", "Dry run: nothing changed (changes planned: 2)."} {
			if !strings.Contains(stdout, w) {
				t.Errorf("dry run output lacks %q:\n%s", w, stdout)
			}
		}
		// --own-log-groups adds to the loop protection, never replaces it.
		code, stdout, stderr = d.ops("", "subscribe", "/aws/lambda/*", "--dry-run", "--own-log-groups", "/something/else,/aws/lambda/app-b")
		if code != ExitOK || strings.Contains(stdout, "create  /aws/lambda/otlpfwd-") || !strings.Contains(stdout, "skip    /aws/lambda/otlpfwd-ingest") ||
			!strings.Contains(stdout, "skip    /aws/lambda/app-b") || !strings.Contains(stdout, "changes planned: 1") {
			t.Fatalf("--own-log-groups: exit %d\n%s%s", code, stdout, stderr)
		}
		d.interactive = true
		code, stdout, stderr = d.ops("n\n", "subscribe", "/aws/lambda/*")
		if code != ExitError || !strings.Contains(stderr, "Make these 2 changes? [y/N]") || !strings.Contains(stderr, "declined: nothing was changed") {
			t.Fatalf("declined: exit %d\n%s%s", code, stdout, stderr)
		}
		// With -o json the plan goes to stderr before the prompt.
		code, stdout, stderr = d.ops("n\n", "subscribe", "/aws/lambda/*", "-o", "json")
		plan, _, _ := strings.Cut(stderr, "Make these 2 changes?")
		if code != ExitError || !strings.Contains(plan, "create  /aws/lambda/app-a") || !strings.Contains(plan, "create  /aws/lambda/app-b") || !strings.Contains(plan, "skip    /aws/lambda/otlpfwd-ingest") {
			t.Fatalf("declined with -o json: exit %d, the prompt came without the plan:\n%s", code, stderr)
		}
		d.interactive = false
		code, stdout, _ = d.ops("", "subscriptions", "-o", "json")
		var subs subscriptionsResult
		if code != ExitOK || json.Unmarshal([]byte(stdout), &subs) != nil || len(subs.Subscriptions) != 0 || !strings.Contains(subs.Note, "account policy not read") {
			t.Fatalf("nothing is subscribed yet: exit %d %s", code, stdout)
		}

		code, stdout, stderr = d.ops("", "subscribe", "/aws/lambda/*", "--yes", "-o", "json")
		var res subscribeResult
		if code != ExitOK || json.Unmarshal([]byte(stdout), &res) != nil {
			t.Fatalf("subscribe: exit %d\n%s%s", code, stdout, stderr)
		}
		if res.Counts["create"] != 2 || res.Counts["skip"] != 2 || res.Target.RoleArn != outs.Values[stack.OutputSubscriptionRoleArn] {
			t.Fatalf("result %+v", res)
		}
		// A log line now reaches the raw stream.
		if err := a.PutLogLines(ctx, "/aws/lambda/app-a", "s", time.Now(), []string{`{"__otel_otlp_stdout":"0.17.3"}`}); err != nil {
			t.Fatal(err)
		}
		recs, err := a.ReadStream(ctx, outs.Values[stack.OutputRawStreamArn])
		if err != nil || len(recs) != 1 {
			t.Fatalf("raw stream: %d records %v", len(recs), err)
		}
		// Again: nothing to change.
		code, stdout, _ = d.ops("", "subscribe", "/aws/lambda/app-a", "/aws/lambda/app-b", "--yes")
		if code != ExitOK || !strings.Contains(stdout, "Nothing to change.") {
			t.Fatalf("second run: exit %d\n%s", code, stdout)
		}
		// The pipeline's own log group, by name: refused.
		code, stdout, stderr = d.ops("", "subscribe", "/aws/lambda/otlpfwd-ingest", "--yes")
		if code != ExitError || !strings.Contains(stdout, "refuse") || !strings.Contains(stderr, "log groups that could not subscribe: 1") {
			t.Fatalf("own log group: exit %d\n%s%s", code, stdout, stderr)
		}
		code, stdout, stderr = d.ops("", "subscribe", "/aws/lambda/nope", "--yes")
		if code != ExitError || !strings.Contains(stdout, "Not found: log group not found: /aws/lambda/nope") {
			t.Fatalf("missing log group: exit %d\n%s%s", code, stdout, stderr)
		}
		// moto has no account policy API: the error reaches the operator.
		code, _, stderr = d.ops("", "subscribe", "--account-policy", "--yes")
		if code != ExitError || !strings.Contains(stderr, "read the account's subscription filter policies") || !strings.Contains(stderr, "logs:PutAccountPolicy") {
			t.Fatalf("account policy: exit %d\n%s", code, stderr)
		}
	})

	t.Run("subscriptions and unsubscribe", func(t *testing.T) {
		code, stdout, _ := d.ops("", "subscriptions", "--prefix", "/aws/lambda/")
		if code != ExitOK || !strings.Contains(stdout, "/aws/lambda/app-a") || !strings.Contains(stdout, ": 2 of the 4 read") {
			t.Fatalf("subscriptions: exit %d\n%s", code, stdout)
		}
		code, stdout, stderr := d.ops("", "unsubscribe", "/aws/lambda/app-b", "--yes")
		if code != ExitOK || !strings.Contains(stdout, "delete  /aws/lambda/app-b") || !strings.Contains(stdout, "deleted 1") {
			t.Fatalf("unsubscribe: exit %d\n%s%s", code, stdout, stderr)
		}
		code, stdout, _ = d.ops("", "subscriptions", "-o", "json")
		var subs subscriptionsResult
		if code != ExitOK || json.Unmarshal([]byte(stdout), &subs) != nil || len(subs.Subscriptions) != 1 || subs.Subscriptions[0].LogGroup != "/aws/lambda/app-a" {
			t.Fatalf("after unsubscribe: %s", stdout)
		}
	})

	t.Run("status healthy", func(t *testing.T) {
		code, stdout, stderr := d.ops("", "status")
		if code != ExitOK || !strings.Contains(stdout, "Pipeline otlpfwd (CREATE_COMPLETE), last 15m0s: HEALTHY") || !strings.Contains(stdout, "otlpfwd-ingest (Enabled)") {
			t.Fatalf("status: exit %d\n%s%s", code, stdout, stderr)
		}
	})

	// Dead letters, from the export function's code, for collector "main"
	// that answered 503; the real collector is "main" now.
	good := svctest.Collector(t, false)
	if err := a.PutCollectors(ctx, outs.Values[stack.OutputCollectorSecretPrefix], []route.Collector{{Name: "main", Endpoint: good.Endpoint()}}); err != nil {
		t.Fatal(err)
	}
	ids := deadLetters(t, a, outs.Values[stack.OutputDeadLetterQueueURL])

	t.Run("status unhealthy", func(t *testing.T) {
		code, stdout, stderr := d.ops("", "status", "-o", "json")
		var rep struct {
			Healthy  bool `json:"healthy"`
			Problems []struct{ What, Fix string }
		}
		if code != ExitError || json.Unmarshal([]byte(stdout), &rep) != nil || rep.Healthy || !strings.Contains(stderr, "the pipeline is unhealthy") {
			t.Fatalf("status: exit %d\n%s%s", code, stdout, stderr)
		}
		if len(rep.Problems) == 0 || !strings.Contains(rep.Problems[0].What, "messages wait in the dead-letter queue") || !strings.Contains(rep.Problems[0].Fix, "otlpfwd dlq redrive") {
			t.Fatalf("problems %+v", rep.Problems)
		}
	})

	t.Run("dlq", func(t *testing.T) {
		code, stdout, stderr := d.ops("", "dlq", "inspect", "--peek", "1")
		if code != ExitOK {
			t.Fatalf("inspect: exit %d\n%s%s", code, stdout, stderr)
		}
		for _, w := range []string{"read 2: all there were", "retries_exhausted  2", "main       2", "#1 retries_exhausted, collector main", "last answer HTTP 503", "otlpfwd dlq redrive"} {
			if !strings.Contains(stdout, w) {
				t.Errorf("inspect output lacks %q:\n%s", w, stdout)
			}
		}
		d.interactive = true
		code, _, stderr = d.ops("n\n", "dlq", "redrive")
		d.interactive = false
		if code != ExitError || !strings.Contains(stderr, "Go ahead? [y/N]") || !strings.Contains(stderr, "declined") {
			t.Fatalf("declined: exit %d\n%s", code, stderr)
		}
		code, stdout, stderr = d.ops("", "dlq", "redrive", "--dry-run")
		if code != ExitOK || !strings.Contains(stdout, "Would redrive (dry run: nothing sent, nothing deleted): 2 dead letters") || !strings.Contains(stderr, "would_redrive") {
			t.Fatalf("dry run: exit %d\n%s%s", code, stdout, stderr)
		}
		code, stdout, stderr = d.ops("", "dlq", "redrive", "--yes", "-o", "json")
		var sum struct {
			Redriven struct{ Messages, Items int }
			Failed   []any
		}
		if code != ExitOK || json.Unmarshal([]byte(stdout), &sum) != nil || sum.Redriven.Messages != 2 || len(sum.Failed) != 0 {
			t.Fatalf("redrive: exit %d\n%s%s", code, stdout, stderr)
		}
		if !strings.Contains(stderr, "redriven") {
			t.Errorf("no progress lines:\n%s", stderr)
		}
		if got := realCollectorIDs(t, good); !slices.Equal(got, ids) {
			t.Fatalf("collector got %v, want %v", got, ids)
		}
		code, stdout, _ = d.ops("", "dlq", "inspect")
		if code != ExitOK || !strings.Contains(stdout, "The queue is empty") {
			t.Fatalf("after redrive: %s", stdout)
		}
	})

	t.Run("status healthy again", func(t *testing.T) {
		if code, stdout, stderr := d.ops("", "status"); code != ExitOK {
			t.Fatalf("status: exit %d\n%s%s", code, stdout, stderr)
		}
	})

	t.Run("status mapping disabled", func(t *testing.T) {
		lc := lambda.NewFromConfig(d.cfg)
		ms, err := lc.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String(outs.Values[stack.OutputIngestFunctionName])})
		if err != nil || len(ms.EventSourceMappings) != 1 {
			t.Fatalf("mappings %+v %v", ms, err)
		}
		uuid := aws.ToString(ms.EventSourceMappings[0].UUID)
		if _, err := lc.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: aws.String(uuid), Enabled: aws.Bool(false)}); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := d.ops("", "status")
		if code != ExitError || !strings.Contains(stdout, "event source mapping "+uuid+" (raw stream -> otlpfwd-ingest) is Disabled") ||
			!strings.Contains(stdout, "aws lambda update-event-source-mapping --uuid "+uuid+" --enabled") {
			t.Fatalf("status: exit %d\n%s%s", code, stdout, stderr)
		}
	})
}

// createMotoStack creates stack "otlpfwd" from the part of template.yaml
// that moto supports, with CreateStack: moto's ExecuteChangeSet (what
// otlpfwd deploy uses) leaves a stack without outputs.
func createMotoStack(t *testing.T, d *motoDeploy) stack.Outputs {
	t.Helper()
	ctx := context.Background()
	s3c := s3.NewFromConfig(d.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	tpl, err := stack.Load(templateFile)
	if err != nil {
		t.Fatal(err)
	}
	res := tpl.Resources()
	for _, fn := range []string{"IngestFunction", "ExportFunction"} {
		key := "otlpfwd/" + fn + ".zip"
		// An empty zip is all moto's Lambda checks.
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), Body: strings.NewReader("PK\x05\x06" + strings.Repeat("\x00", 18))}); err != nil {
			t.Fatal(err)
		}
		stack.Properties(res[fn])["CodeUri"] = "s3://bkt/" + key
	}
	sub, _, err := stack.Subset(tpl, stack.MotoTypes)
	if err != nil {
		t.Fatal(err)
	}
	body, err := sub.JSON()
	if err != nil {
		t.Fatal(err)
	}
	cfn := cloudformation.NewFromConfig(d.cfg)
	if _, err := cfn.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("otlpfwd"), TemplateBody: aws.String(string(body)), Capabilities: stack.Capabilities}); err != nil {
		t.Fatal(err)
	}
	st, err := stack.Describe(ctx, cfn, "otlpfwd")
	if err != nil || st.Status != "CREATE_COMPLETE" {
		t.Fatalf("stack: %+v %v", st, err)
	}
	return st.OutputValues()
}

// deadLetters runs the export handler with collector "main" answering
// 503 and returns the sorted test ids it dead-lettered to the queue.
func deadLetters(t *testing.T, a *local.AWS, dlqURL string) []string {
	t.Helper()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	var ev events.KinesisEvent
	var ids []string
	for i, sig := range []otlp.Signal{otlp.Traces, otlp.Logs} {
		raw := synth.Request(sig, "checkout", "cli-"+sig.String(), 5, 2)
		got, _ := fixture.TestIDs(sig, raw)
		ids = append(ids, got...)
		r := record.Record{Collector: "main", Signal: sig, Items: []record.Item{{Payload: raw, RawSize: len(raw), Items: len(got)}}}
		ev.Records = append(ev.Records, events.KinesisEventRecord{EventID: "shardId-000000000000:" + string(rune('1'+i)),
			Kinesis: events.KinesisRecord{SequenceNumber: string(rune('1' + i)), Data: record.Marshal(nil, &r)}})
	}
	routes := route.NewCached(route.StaticSource{{Name: "main", Endpoint: down.URL}}, route.CacheOptions{})
	h, err := export.New(routes, otlphttp.NewClient(otlphttp.Options{}), queue.NewWriter(a.SQS, dlqURL, queue.Options{}),
		export.Options{Retry: otlphttp.RetryPolicy{MaxAttempts: 2, InitialInterval: time.Millisecond}, Margin: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, stats, err := h.Process(ctx, ev); err != nil || stats.DeadLettered != len(ids) {
		t.Fatalf("export: %v, dead-lettered %d of %d", err, stats.DeadLettered, len(ids))
	}
	slices.Sort(ids)
	return ids
}

// realCollectorIDs returns the sorted test ids the collector wrote.
func realCollectorIDs(t *testing.T, c *svc.Collector) []string {
	t.Helper()
	var ids []string
	for _, s := range []svc.Signal{svc.Traces, svc.Metrics, svc.Logs} {
		b, err := os.ReadFile(c.OutputPath(s))
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := otlp.ParseSignal(string(s))
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			pb, err := otlp.UnmarshalJSON(sig, sc.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			got, err := fixture.TestIDs(sig, pb)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, got...)
		}
	}
	slices.Sort(ids)
	return ids
}
