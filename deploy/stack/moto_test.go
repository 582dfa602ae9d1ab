package stack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/otlpfwd/otlpfwd/deploy/svc/svctest"
)

// startMoto starts a moto server for one test and returns an AWS
// configuration pointed at it.
func startMoto(t *testing.T) aws.Config {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m := svctest.Moto(t)
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseEndpoint = aws.String(m.URL())
	return cfg
}

// putZip uploads a one-file zip, which is all moto's Lambda checks.
func putZip(t *testing.T, c *s3.Client, bucket, key string) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))}); err != nil {
		t.Fatal(err)
	}
}

// TestTemplateInMoto creates the part of template.yaml that moto supports
// with CreateStack, with non-default parameters, and checks each resource
// as the services report it.
func TestTemplateInMoto(t *testing.T) {
	cfg := startMoto(t)
	ctx := context.Background()
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	putZip(t, s3c, "bkt", "otlpfwd/ingest.zip")
	putZip(t, s3c, "bkt", "otlpfwd/export.zip")
	sub, _, err := Subset(packagedTemplate(t, "bkt"), MotoTypes)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := sub.JSON()
	params := map[string]string{
		"RawShardCount": "2", "ExportShardCount": "3", "StreamRetentionHours": "48", "LogRetentionDays": "14",
		"IngestBatchSize": "250", "ExportParallelizationFactor": "4", "MaximumRetryAttempts": "5",
		"MaximumRecordAgeSeconds": "3600", "IngestMemorySize": "1024", "CollectorSecretPrefix": "team/collectors/",
	}
	in := &cloudformation.CreateStackInput{StackName: aws.String("otlpfwd-test"), TemplateBody: aws.String(string(body)), Capabilities: Capabilities}
	for k, v := range params {
		in.Parameters = append(in.Parameters, cfntypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)})
	}
	cfn := cloudformation.NewFromConfig(cfg)
	if _, err := cfn.CreateStack(ctx, in); err != nil {
		t.Fatal(err)
	}
	st, err := Describe(ctx, cfn, "otlpfwd-test")
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != "CREATE_COMPLETE" {
		t.Fatalf("stack %s: %s", st.Status, st.Reason)
	}
	out := st.OutputValues()
	get := func(k string) string {
		v, err := out.Get(k)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, k := range CLIOutputs {
		if k != OutputAccountSubscriptionPolicyName {
			get(k)
		}
	}
	if _, err := out.Get(OutputAccountSubscriptionPolicyName); err == nil {
		t.Error("AccountSubscriptionPolicyName is set though EnableAccountSubscription is false")
	}

	t.Run("streams", func(t *testing.T) {
		kc := kinesis.NewFromConfig(cfg)
		for name, want := range map[string][2]int32{"RawStreamName": {2, 48}, "ExportStreamName": {3, 48}} {
			s, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(get(name))})
			if err != nil {
				t.Fatal(err)
			}
			d := s.StreamDescriptionSummary
			if aws.ToInt32(d.OpenShardCount) != want[0] || aws.ToInt32(d.RetentionPeriodHours) != want[1] {
				t.Errorf("%s: %d shards, %d h retention; want %v", get(name), aws.ToInt32(d.OpenShardCount), aws.ToInt32(d.RetentionPeriodHours), want)
			}
		}
		if get(OutputRawStreamName) != "otlpfwd-test-raw" || !strings.HasSuffix(get(OutputRawStreamArn), ":stream/otlpfwd-test-raw") {
			t.Errorf("raw stream %s %s", get(OutputRawStreamName), get(OutputRawStreamArn))
		}
	})

	t.Run("queues", func(t *testing.T) {
		qc := sqs.NewFromConfig(cfg)
		for _, k := range []string{OutputDeadLetterQueueURL, OutputEsmFailureQueueURL} {
			attrs, err := qc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(get(k)), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
			if err != nil {
				t.Fatal(err)
			}
			a := attrs.Attributes
			if a["MessageRetentionPeriod"] != "1209600" || a["MaximumMessageSize"] != "1048576" || a["KmsMasterKeyId"] != get(OutputKmsKeyArn) {
				t.Errorf("%s: %v", get(k), a)
			}
		}
		if !strings.HasSuffix(get(OutputDeadLetterQueueArn), ":otlpfwd-test-dlq") || get(OutputDeadLetterQueueName) != "otlpfwd-test-dlq" {
			t.Errorf("DLQ %s %s", get(OutputDeadLetterQueueArn), get(OutputDeadLetterQueueName))
		}
	})

	t.Run("log groups", func(t *testing.T) {
		lc := cloudwatchlogs.NewFromConfig(cfg)
		groups, err := lc.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/otlpfwd-test-")})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int32{}
		for _, g := range groups.LogGroups {
			got[aws.ToString(g.LogGroupName)] = aws.ToInt32(g.RetentionInDays)
		}
		own := strings.Split(get(OutputOwnLogGroups), ",")
		if len(got) != 2 || len(own) != 2 || got[own[0]] != 14 || got[own[1]] != 14 || own[0] != get(OutputIngestLogGroupName) {
			t.Errorf("log groups %v, own %v", got, own)
		}
	})

	t.Run("roles", func(t *testing.T) {
		ic := iam.NewFromConfig(cfg)
		res, err := cfn.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("otlpfwd-test")})
		if err != nil {
			t.Fatal(err)
		}
		roles := map[string]string{}
		for _, r := range res.StackResources {
			if aws.ToString(r.ResourceType) == "AWS::IAM::Role" {
				roles[aws.ToString(r.LogicalResourceId)] = aws.ToString(r.PhysicalResourceId)
			}
		}
		for logical, c := range map[string]struct{ principal, policy, mentions string }{
			"IngestRole":       {"lambda.amazonaws.com", "ingest", get(OutputRawStreamArn)},
			"ExportRole":       {"lambda.amazonaws.com", "export", get(OutputExportStreamArn)},
			"SubscriptionRole": {"logs.amazonaws.com", "put-raw-stream", get(OutputRawStreamArn)},
		} {
			name := roles[logical]
			r, err := ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
			if err != nil {
				t.Fatalf("%s: %v", logical, err)
			}
			if !strings.Contains(aws.ToString(r.Role.AssumeRolePolicyDocument), c.principal) {
				t.Errorf("%s trusts %s, want %s", logical, aws.ToString(r.Role.AssumeRolePolicyDocument), c.principal)
			}
			p, err := ic.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(c.policy)})
			if err != nil {
				t.Fatalf("%s policy %s: %v", logical, c.policy, err)
			}
			doc := aws.ToString(p.PolicyDocument)
			if !strings.Contains(doc, c.mentions) || strings.Contains(doc, "'Resource': '*'") && logical == "SubscriptionRole" {
				t.Errorf("%s policy %s: %s", logical, c.policy, doc)
			}
			if logical != "SubscriptionRole" && !strings.Contains(doc, ":secret:team/collectors/*") {
				t.Errorf("%s reads secrets outside the prefix: %s", logical, doc)
			}
		}
		if roles["SubscriptionRole"] == "" || !strings.HasSuffix(get(OutputSubscriptionRoleArn), "/"+roles["SubscriptionRole"]) {
			t.Errorf("SubscriptionRoleArn %s, role %s", get(OutputSubscriptionRoleArn), roles["SubscriptionRole"])
		}
	})

	t.Run("functions and mappings", func(t *testing.T) {
		lc := lambda.NewFromConfig(cfg)
		fn, err := lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(get(OutputIngestFunctionName))})
		if err != nil {
			t.Fatal(err)
		}
		env := fn.Environment.Variables
		if aws.ToInt32(fn.MemorySize) != 1024 || env["OTLPFWD_EXPORT_STREAM"] != get(OutputExportStreamArn) || env["OTLPFWD_DLQ_URL"] != get(OutputDeadLetterQueueURL) ||
			env["OTLPFWD_COLLECTORS_SECRET_PREFIX"] != "team/collectors/" || env["OTLPFWD_OWN_LOG_GROUPS"] != get(OutputOwnLogGroups) {
			t.Errorf("ingest: memory %d, environment %v", aws.ToInt32(fn.MemorySize), env)
		}
		for fnKey, want := range map[string]string{OutputIngestFunctionName: "250 1 5 3600", OutputExportFunctionName: "500 4 5 3600"} {
			m, err := lc.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String(get(fnKey))})
			if err != nil {
				t.Fatal(err)
			}
			if len(m.EventSourceMappings) != 1 {
				t.Fatalf("%s has %d mappings", get(fnKey), len(m.EventSourceMappings))
			}
			e := m.EventSourceMappings[0]
			got := fmt.Sprint(aws.ToInt32(e.BatchSize), aws.ToInt32(e.ParallelizationFactor), aws.ToInt32(e.MaximumRetryAttempts), aws.ToInt32(e.MaximumRecordAgeInSeconds))
			if got != want || !aws.ToBool(e.BisectBatchOnFunctionError) || len(e.FunctionResponseTypes) != 1 ||
				aws.ToString(e.DestinationConfig.OnFailure.Destination) != get(OutputEsmFailureQueueArn) {
				t.Errorf("%s mapping: batch/parallel/retries/age %s (want %s), bisect %v, response types %v, on failure %v",
					get(fnKey), got, want, aws.ToBool(e.BisectBatchOnFunctionError), e.FunctionResponseTypes, e.DestinationConfig)
			}
		}
	})
}

// TestPackageChecksumInMoto: moto keeps the SHA-256 checksum given on
// upload, so unchanged code is not uploaded again, and an object of the
// same size but other content under the artifact's key is replaced.
func TestPackageChecksumInMoto(t *testing.T) {
	cfg := startMoto(t)
	ctx := context.Background()
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	opts := PackageOptions{Bucket: "bkt", Prefix: "p", BucketOwner: "123456789012", Parameters: map[string]string{"Architecture": "arm64"}}
	arts, err := Package(ctx, loadTemplate(t), s3c, &fakeBuilder{}, opts)
	if err != nil || len(arts) != 2 || !arts[0].Uploaded {
		t.Fatalf("first: %+v %v", arts, err)
	}
	again, err := Package(ctx, loadTemplate(t), s3c, &fakeBuilder{}, opts)
	if err != nil || again[0].Uploaded || again[1].Uploaded {
		t.Fatalf("unchanged code uploaded again: %+v %v", again, err)
	}
	key := strings.TrimPrefix(arts[0].URI, "s3://bkt/")
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), Body: bytes.NewReader(make([]byte, arts[0].Bytes))}); err != nil {
		t.Fatal(err)
	}
	third, err := Package(ctx, loadTemplate(t), s3c, &fakeBuilder{}, opts)
	if err != nil || !third[0].Uploaded || third[1].Uploaded {
		t.Fatalf("after the object was replaced: %+v %v", third, err)
	}
	obj, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(obj.Body)
	if sum := sha256.Sum256(got); fmt.Sprintf("p/%x.zip", sum) != key {
		t.Errorf("s3://bkt/%s holds other bytes than its name says", key)
	}
}

// TestDeployInMoto runs the Deployer against moto with the Subset reducer:
// a dry run leaves nothing, then a real run creates the stack.
func TestDeployInMoto(t *testing.T) {
	cfg := startMoto(t)
	ctx := context.Background()
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	cfn := cloudformation.NewFromConfig(cfg)
	var progress bytes.Buffer
	d := New(cfn, s3c, &fakeBuilder{}, Options{PollInterval: 10 * time.Millisecond, Progress: &progress})
	req := Request{StackName: "otlpfwd-moto", Template: loadTemplate(t), Bucket: "bkt", Prefix: "otlpfwd-moto",
		Overrides: map[string]string{"RawShardCount": "2"},
		Reduce: func(t *Template) (*Template, error) {
			sub, _, err := Subset(t, MotoTypes)
			return sub, err
		}}

	cs, err := d.Plan(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Type != "CREATE" || len(cs.Changes) != 15 || len(cs.Artifacts) != 2 {
		t.Fatalf("change set %+v", cs)
	}
	for _, a := range cs.Artifacts {
		key := strings.TrimPrefix(a.URI, "s3://bkt/")
		if _, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key)}); err != nil || !strings.HasPrefix(key, "otlpfwd-moto/") {
			t.Errorf("artifact %s: %v", a.URI, err)
		}
	}
	if err := d.Discard(ctx, cs); err != nil {
		t.Fatal(err)
	}
	if _, err := Describe(ctx, cfn, "otlpfwd-moto"); !errors.Is(err, ErrNoStack) {
		t.Fatalf("after the dry run: %v", err)
	}
	sets, err := cfn.ListChangeSets(ctx, &cloudformation.ListChangeSetsInput{StackName: aws.String("otlpfwd-moto")})
	if err != nil || len(sets.Summaries) != 0 {
		t.Fatalf("change sets left: %v %v", sets, err)
	}

	cs, err = d.Plan(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	st, err := d.Execute(ctx, cs)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != "CREATE_COMPLETE" {
		t.Fatalf("status %s", st.Status)
	}
	if !strings.Contains(progress.String(), "CREATE_COMPLETE") {
		t.Errorf("no events followed:\n%s", progress.String())
	}
	s, err := kinesis.NewFromConfig(cfg).DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("otlpfwd-moto-raw")})
	if err != nil || aws.ToInt32(s.StreamDescriptionSummary.OpenShardCount) != 2 {
		t.Fatalf("raw stream: %v %v", s, err)
	}
	// The function runs the uploaded zip.
	fn, err := lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("otlpfwd-moto-export")})
	if err != nil {
		t.Fatal(err)
	}
	var uri string
	for _, a := range cs.Artifacts {
		if a.Resource == "ExportFunction" {
			uri = a.URI
		}
	}
	obj, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(strings.TrimPrefix(uri, "s3://bkt/"))})
	if err != nil {
		t.Fatal(err)
	}
	zipped, _ := io.ReadAll(obj.Body)
	sum := sha256.Sum256(zipped)
	if got, want := aws.ToString(fn.Configuration.CodeSha256), base64.StdEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("export function CodeSha256 %s, want %s (the artifact %s)", got, want, uri)
	}
}
