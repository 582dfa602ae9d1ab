package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

func newTestDeployer(cfn *fakeCFN, s3 *fakeS3, progress *bytes.Buffer) *Deployer {
	return New(cfn, s3, &fakeBuilder{}, Options{
		PollInterval: time.Millisecond,
		Progress:     progress,
		Now:          func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	})
}

func stackOut(status string, params map[string]string, outputs ...string) func(*cloudformation.DescribeStacksInput) (*cloudformation.DescribeStacksOutput, error) {
	return func(*cloudformation.DescribeStacksInput) (*cloudformation.DescribeStacksOutput, error) {
		s := cfntypes.Stack{StackName: aws.String("otlpfwd"), StackId: aws.String("stack-arn"), StackStatus: cfntypes.StackStatus(status)}
		for k, v := range params {
			s.Parameters = append(s.Parameters, cfntypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)})
		}
		for i := 0; i+1 < len(outputs); i += 2 {
			s.Outputs = append(s.Outputs, cfntypes.Output{OutputKey: aws.String(outputs[i]), OutputValue: aws.String(outputs[i+1])})
		}
		return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{s}}, nil
	}
}

func change(action, id, ty string) cfntypes.Change {
	return cfntypes.Change{ResourceChange: &cfntypes.ResourceChange{Action: cfntypes.ChangeAction(action), LogicalResourceId: aws.String(id), ResourceType: aws.String(ty)}}
}

// TestPlanCreate plans a new stack: CREATE, every capability, the packaged
// template inline, only overrides passed, changes read from every page.
func TestPlanCreate(t *testing.T) {
	polls := 0
	cfn := &fakeCFN{
		DescribeChangeSetFn: func(in *cloudformation.DescribeChangeSetInput) (*cloudformation.DescribeChangeSetOutput, error) {
			polls++
			switch {
			case polls == 1:
				return &cloudformation.DescribeChangeSetOutput{Status: cfntypes.ChangeSetStatusCreateInProgress}, nil
			case in.NextToken == nil:
				return &cloudformation.DescribeChangeSetOutput{Status: cfntypes.ChangeSetStatusCreateComplete, NextToken: aws.String("p2"),
					Changes: []cfntypes.Change{change("Add", "RawStream", "AWS::Kinesis::Stream")}}, nil
			default:
				return &cloudformation.DescribeChangeSetOutput{Status: cfntypes.ChangeSetStatusCreateComplete,
					Changes: []cfntypes.Change{change("Add", "DeadLetterQueue", "AWS::SQS::Queue")}}, nil
			}
		},
	}
	s3 := &fakeS3{}
	var progress bytes.Buffer
	d := newTestDeployer(cfn, s3, &progress)
	cs, err := d.Plan(context.Background(), Request{StackName: "otlpfwd", Template: loadTemplate(t), Bucket: "bkt", Prefix: "otlpfwd", Overrides: map[string]string{"RawShardCount": "4"}, Tags: map[string]string{"team": "obs"}})
	if err != nil {
		t.Fatal(err)
	}
	in := cfn.created
	if in.ChangeSetType != cfntypes.ChangeSetTypeCreate || aws.ToString(in.ChangeSetName) != "otlpfwd-20260102-030405" || !slices.Equal(in.Capabilities, Capabilities) {
		t.Errorf("CreateChangeSet %+v", in)
	}
	if len(in.Parameters) != 1 || aws.ToString(in.Parameters[0].ParameterKey) != "RawShardCount" || aws.ToString(in.Parameters[0].ParameterValue) != "4" {
		t.Errorf("parameters %+v: want only the override", in.Parameters)
	}
	if len(in.Tags) != 1 || aws.ToString(in.Tags[0].Key) != "team" {
		t.Errorf("tags %+v", in.Tags)
	}
	sent, err := Parse([]byte(aws.ToString(in.TemplateBody)))
	if err != nil {
		t.Fatal(err)
	}
	if sent.Body["Transform"] != "AWS::Serverless-2016-10-31" {
		t.Error("the SAM transform was not sent: CloudFormation runs it")
	}
	for _, fn := range []string{"IngestFunction", "ExportFunction"} {
		uri, _ := Properties(sent.Resources()[fn])["CodeUri"].(string)
		if _, ok := s3.objects[strings.TrimPrefix(uri, "s3://")]; !ok {
			t.Errorf("%s CodeUri %q is not an uploaded object", fn, uri)
		}
	}
	if Properties(loadTemplate(t).Resources()["IngestFunction"])["CodeUri"] != "ingest/lambda" {
		t.Error("Plan changed the caller's template")
	}
	if cs.Type != "CREATE" || cs.Empty || len(cs.Changes) != 2 || cs.Changes[0].LogicalID != "DeadLetterQueue" || len(cs.Artifacts) != 2 {
		t.Errorf("change set %+v", cs)
	}
	if !strings.Contains(progress.String(), "Creating change set otlpfwd-20260102-030405 (CREATE) for stack otlpfwd") {
		t.Errorf("progress %q", progress.String())
	}
}

// TestPlanUpdate keeps the current values of parameters not overridden.
func TestPlanUpdate(t *testing.T) {
	cfn := &fakeCFN{
		DescribeStacksFn: stackOut("UPDATE_COMPLETE", map[string]string{"RawShardCount": "3", "LogLevel": "debug", "Removed": "x"}),
		DescribeChangeSetFn: func(*cloudformation.DescribeChangeSetInput) (*cloudformation.DescribeChangeSetOutput, error) {
			return &cloudformation.DescribeChangeSetOutput{Status: cfntypes.ChangeSetStatusCreateComplete, Changes: []cfntypes.Change{change("Modify", "IngestFunction", "AWS::Lambda::Function")}}, nil
		},
	}
	d := newTestDeployer(cfn, &fakeS3{}, &bytes.Buffer{})
	cs, err := d.Plan(context.Background(), Request{StackName: "otlpfwd", Template: loadTemplate(t), Bucket: "bkt", Overrides: map[string]string{"LogLevel": "warn"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range cfn.created.Parameters {
		if aws.ToBool(p.UsePreviousValue) {
			got[aws.ToString(p.ParameterKey)] = "previous"
		} else {
			got[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
		}
	}
	if cfn.created.ChangeSetType != cfntypes.ChangeSetTypeUpdate || len(got) != 2 || got["RawShardCount"] != "previous" || got["LogLevel"] != "warn" {
		t.Errorf("UPDATE with parameters %v", got)
	}
	if cs.Type != "UPDATE" || len(cs.Changes) != 1 {
		t.Errorf("%+v", cs)
	}
}

// TestPlanNoChanges recognises CloudFormation's empty change set.
func TestPlanNoChanges(t *testing.T) {
	cfn := &fakeCFN{
		DescribeStacksFn: stackOut("UPDATE_COMPLETE", nil, OutputRawStreamName, "otlpfwd-raw"),
		DescribeChangeSetFn: func(*cloudformation.DescribeChangeSetInput) (*cloudformation.DescribeChangeSetOutput, error) {
			return &cloudformation.DescribeChangeSetOutput{Status: cfntypes.ChangeSetStatusFailed,
				StatusReason: aws.String("The submitted information didn't contain changes. Submit different information to create a change set.")}, nil
		},
	}
	d := newTestDeployer(cfn, &fakeS3{}, &bytes.Buffer{})
	cs, err := d.Plan(context.Background(), Request{StackName: "otlpfwd", Template: loadTemplate(t), Bucket: "bkt"})
	if err != nil {
		t.Fatal(err)
	}
	if !cs.Empty {
		t.Fatal("not Empty")
	}
	st, err := d.Execute(context.Background(), cs)
	if err != nil || slices.Contains(cfn.calls, "ExecuteChangeSet") {
		t.Fatalf("executing an empty change set: %v %v", err, cfn.calls)
	}
	if v, _ := st.OutputValues().Get(OutputRawStreamName); v != "otlpfwd-raw" {
		t.Errorf("outputs %+v", st.Outputs)
	}
}

// TestPlanFailedChangeSet reports CloudFormation's reason and removes
// what the failed change set left.
func TestPlanFailedChangeSet(t *testing.T) {
	stackStatus := ""
	cfn := &fakeCFN{
		DescribeStacksFn: func(in *cloudformation.DescribeStacksInput) (*cloudformation.DescribeStacksOutput, error) {
			if stackStatus == "" {
				return nil, noStackErr("otlpfwd")
			}
			return stackOut(stackStatus, nil)(in)
		},
		CreateChangeSetFn: func(*cloudformation.CreateChangeSetInput) (*cloudformation.CreateChangeSetOutput, error) {
			stackStatus = "REVIEW_IN_PROGRESS"
			return &cloudformation.CreateChangeSetOutput{Id: aws.String("cs-arn"), StackId: aws.String("stack-arn")}, nil
		},
		DescribeChangeSetFn: func(*cloudformation.DescribeChangeSetInput) (*cloudformation.DescribeChangeSetOutput, error) {
			return &cloudformation.DescribeChangeSetOutput{Status: cfntypes.ChangeSetStatusFailed, StatusReason: aws.String("Parameter 'RawShardCount' must be a number.")}, nil
		},
	}
	d := newTestDeployer(cfn, &fakeS3{}, &bytes.Buffer{})
	_, err := d.Plan(context.Background(), Request{StackName: "otlpfwd", Template: loadTemplate(t), Bucket: "bkt"})
	if err == nil || !strings.Contains(err.Error(), "Parameter 'RawShardCount' must be a number.") {
		t.Fatalf("err %v", err)
	}
	if !slices.Contains(cfn.calls, "DeleteChangeSet") || !slices.Contains(cfn.calls, "DeleteStack:stack-arn") {
		t.Errorf("calls %v: want the change set and the empty stack deleted", cfn.calls)
	}
}

// TestPlanStackStates refuses states that take no change set, saying what
// to do.
func TestPlanStackStates(t *testing.T) {
	for status, want := range map[string]string{
		"ROLLBACK_COMPLETE":      "aws cloudformation delete-stack --stack-name otlpfwd",
		"UPDATE_IN_PROGRESS":     "is busy (UPDATE_IN_PROGRESS)",
		"UPDATE_ROLLBACK_FAILED": "continue-update-rollback",
	} {
		t.Run(status, func(t *testing.T) {
			cfn := &fakeCFN{DescribeStacksFn: stackOut(status, nil)}
			_, err := newTestDeployer(cfn, &fakeS3{}, &bytes.Buffer{}).Plan(context.Background(), Request{StackName: "otlpfwd", Template: loadTemplate(t), Bucket: "bkt"})
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err %v, want %q", err, want)
			}
			if slices.Contains(cfn.calls, "CreateChangeSet") {
				t.Error("created a change set anyway")
			}
		})
	}
}

// TestPlanLargeTemplate sends a template over the inline limit through S3.
func TestPlanLargeTemplate(t *testing.T) {
	tpl := loadTemplate(t)
	tpl.Body["Description"] = strings.Repeat("x", maxTemplateBody)
	cfn := &fakeCFN{DescribeChangeSetFn: func(*cloudformation.DescribeChangeSetInput) (*cloudformation.DescribeChangeSetOutput, error) {
		return &cloudformation.DescribeChangeSetOutput{Status: cfntypes.ChangeSetStatusCreateComplete}, nil
	}}
	s3 := &fakeS3{}
	d := newTestDeployer(cfn, s3, &bytes.Buffer{})
	if _, err := d.Plan(context.Background(), Request{StackName: "otlpfwd", Template: tpl, Bucket: "bkt", Prefix: "p"}); err != nil {
		t.Fatal(err)
	}
	url := aws.ToString(cfn.created.TemplateURL)
	key := strings.TrimPrefix(url, "https://bkt.s3.amazonaws.com/")
	if cfn.created.TemplateBody != nil || !strings.HasPrefix(key, "p/") || s3.objects["bkt/"+key] == nil {
		t.Errorf("TemplateURL %q, objects %v", url, s3.puts)
	}
}

func event(id, status, logical, reason string) cfntypes.StackEvent {
	return cfntypes.StackEvent{EventId: aws.String(id), ResourceStatus: cfntypes.ResourceStatus(status), LogicalResourceId: aws.String(logical),
		ResourceType: aws.String("AWS::Kinesis::Stream"), ResourceStatusReason: aws.String(reason), Timestamp: aws.Time(time.Unix(0, 0))}
}

// TestExecute follows the events after the execution, oldest first, and
// returns the outputs.
func TestExecute(t *testing.T) {
	eventCalls, stackCalls := 0, 0
	cfn := &fakeCFN{
		DescribeStackEventsFn: func(in *cloudformation.DescribeStackEventsInput) (*cloudformation.DescribeStackEventsOutput, error) {
			eventCalls++
			switch eventCalls {
			case 1: // before the execution
				return &cloudformation.DescribeStackEventsOutput{StackEvents: []cfntypes.StackEvent{event("e0", "REVIEW_IN_PROGRESS", "otlpfwd", "")}}, nil
			case 2:
				return &cloudformation.DescribeStackEventsOutput{StackEvents: []cfntypes.StackEvent{event("e1", "CREATE_IN_PROGRESS", "otlpfwd", "User Initiated"), event("e0", "REVIEW_IN_PROGRESS", "otlpfwd", "")}}, nil
			default: // two pages
				if in.NextToken == nil {
					return &cloudformation.DescribeStackEventsOutput{NextToken: aws.String("n"), StackEvents: []cfntypes.StackEvent{event("e3", "CREATE_COMPLETE", "RawStream", "")}}, nil
				}
				return &cloudformation.DescribeStackEventsOutput{StackEvents: []cfntypes.StackEvent{event("e2", "CREATE_IN_PROGRESS", "RawStream", ""), event("e1", "CREATE_IN_PROGRESS", "otlpfwd", "User Initiated")}}, nil
			}
		},
		DescribeStacksFn: func(in *cloudformation.DescribeStacksInput) (*cloudformation.DescribeStacksOutput, error) {
			stackCalls++
			if stackCalls < 3 {
				return stackOut("CREATE_IN_PROGRESS", nil)(in)
			}
			return stackOut("CREATE_COMPLETE", nil, OutputRawStreamArn, "arn:raw", OutputDeadLetterQueueURL, "https://q")(in)
		},
	}
	var progress bytes.Buffer
	d := newTestDeployer(cfn, &fakeS3{}, &progress)
	st, err := d.Execute(context.Background(), &ChangeSet{StackName: "otlpfwd", StackID: "stack-arn", Name: "cs", ID: "cs-arn", Type: "CREATE"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != "CREATE_COMPLETE" || len(st.Outputs) != 2 || st.Outputs[0].Key != OutputDeadLetterQueueURL {
		t.Errorf("stack %+v", st)
	}
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	var order []string
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		order = append(order, f[1]+" "+f[3])
	}
	want := []string{"CREATE_IN_PROGRESS otlpfwd", "CREATE_IN_PROGRESS RawStream", "CREATE_COMPLETE RawStream"}
	if !slices.Equal(order, want) {
		t.Errorf("events printed %q, want %q\n%s", order, want, progress.String())
	}
	if i := slices.Index(cfn.calls, "ExecuteChangeSet"); i < 0 || i > slices.Index(cfn.calls, "DescribeStackEvents")+1 {
		t.Errorf("calls %v", cfn.calls)
	}
}

// TestExecuteRollback quotes the failed resources.
func TestExecuteRollback(t *testing.T) {
	n := 0
	cfn := &fakeCFN{
		DescribeStackEventsFn: func(*cloudformation.DescribeStackEventsInput) (*cloudformation.DescribeStackEventsOutput, error) {
			n++
			if n == 1 {
				return &cloudformation.DescribeStackEventsOutput{}, nil
			}
			return &cloudformation.DescribeStackEventsOutput{StackEvents: []cfntypes.StackEvent{
				event("e3", "ROLLBACK_COMPLETE", "otlpfwd", ""),
				event("e2", "CREATE_FAILED", "ExportStream", "Resource creation cancelled"),
				event("e1", "CREATE_FAILED", "RawStream", "LimitExceededException: shard limit"),
			}}, nil
		},
		DescribeStacksFn: stackOut("ROLLBACK_COMPLETE", nil),
	}
	_, err := newTestDeployer(cfn, &fakeS3{}, &bytes.Buffer{}).Execute(context.Background(), &ChangeSet{StackName: "otlpfwd", StackID: "stack-arn", Type: "CREATE"})
	if err == nil || !strings.Contains(err.Error(), "ended in ROLLBACK_COMPLETE") || !strings.Contains(err.Error(), "RawStream (AWS::Kinesis::Stream): LimitExceededException: shard limit") || strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("err %v", err)
	}
}

// TestExecuteInterrupted says CloudFormation carries on.
func TestExecuteInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cfn := &fakeCFN{DescribeStacksFn: func(in *cloudformation.DescribeStacksInput) (*cloudformation.DescribeStacksOutput, error) {
		cancel()
		return stackOut("CREATE_IN_PROGRESS", nil)(in)
	}}
	_, err := newTestDeployer(cfn, &fakeS3{}, &bytes.Buffer{}).Execute(ctx, &ChangeSet{StackName: "otlpfwd", StackID: "stack-arn"})
	if err == nil || !strings.Contains(err.Error(), "CloudFormation carries on") {
		t.Fatalf("err %v", err)
	}
}

// TestDiscard deletes the change set and, for CREATE, the empty stack.
func TestDiscard(t *testing.T) {
	for _, c := range []struct {
		typ, status string
		deleteStack bool
	}{
		{"CREATE", "REVIEW_IN_PROGRESS", true},
		{"CREATE", "CREATE_COMPLETE", false}, // someone deployed meanwhile
		{"UPDATE", "UPDATE_COMPLETE", false},
	} {
		cfn := &fakeCFN{DescribeStacksFn: stackOut(c.status, nil)}
		if err := newTestDeployer(cfn, &fakeS3{}, &bytes.Buffer{}).Discard(context.Background(), &ChangeSet{StackID: "stack-arn", ID: "cs-arn", Type: c.typ}); err != nil {
			t.Fatal(err)
		}
		if cfn.calls[0] != "DeleteChangeSet" || slices.Contains(cfn.calls, "DeleteStack:stack-arn") != c.deleteStack {
			t.Errorf("%s %s: calls %v", c.typ, c.status, cfn.calls)
		}
	}
}

// TestChangeSetJSON pins the field names of --output json, and that it
// never shows a NoEcho parameter's value.
func TestChangeSetJSON(t *testing.T) {
	b, _ := json.Marshal(ChangeSet{Changes: []Change{{Action: "Add", LogicalID: "RawStream", Type: "AWS::Kinesis::Stream"}},
		Parameters: []ParameterValue{
			{Key: "LogLevel", Value: "debug", Source: FromOverride, Default: "info"},
			{Key: "Token", Value: "s3cr3t-value", Source: FromOverride, Default: "d3fault-secret", NoEcho: true},
			{Key: "Empty", Source: FromDefault, NoEcho: true},
		}})
	for _, k := range []string{`"change_set_name"`, `"type"`, `"empty"`, `"logical_id":"RawStream"`, `"resource_type"`, `"artifacts"`,
		`{"key":"LogLevel","value":"debug","source":"override","default":"info","no_echo":false}`,
		`{"key":"Token","value":"****","source":"override","default":"****","no_echo":true}`,
		`{"key":"Empty","value":"","source":"default","default":"","no_echo":true}`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("%s lacks %s", b, k)
		}
	}
	if strings.Contains(string(b), "s3cr3t") || strings.Contains(string(b), "d3fault") {
		t.Errorf("a NoEcho value is printed: %s", b)
	}
}
