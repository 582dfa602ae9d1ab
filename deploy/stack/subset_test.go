package stack

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// packagedTemplate is template.yaml with CodeUri pointing at S3, as
// Package leaves it.
func packagedTemplate(t *testing.T, bucket string) *Template {
	t.Helper()
	tpl := loadTemplate(t)
	res := tpl.Resources()
	Properties(res["IngestFunction"])["CodeUri"] = "s3://" + bucket + "/otlpfwd/ingest.zip"
	Properties(res["ExportFunction"])["CodeUri"] = "s3://" + bucket + "/otlpfwd/export.zip"
	return tpl
}

func TestSubset(t *testing.T) {
	sub, dropped, err := Subset(packagedTemplate(t, "bkt"), MotoTypes)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sub.Body["Transform"]; ok {
		t.Error("the SAM transform is still there")
	}
	var names []string
	for _, d := range dropped {
		names = append(names, d.Name)
	}
	want := []string{"AccountSubscriptionPolicy", "DeadLetterQueueDepthAlarm", "EsmFailureQueueDepthAlarm", "ExportErrorsAlarm",
		"ExportIteratorAgeAlarm", "IngestErrorsAlarm", "IngestIteratorAgeAlarm", "QueuesTlsOnlyPolicy"}
	if !slices.Equal(names, want) {
		t.Errorf("left out %v, want %v", names, want)
	}
	res := sub.Resources()
	fn := res["IngestFunction"]
	p := Properties(fn)
	if Type(fn) != "AWS::Lambda::Function" || p["CodeUri"] != nil {
		t.Fatalf("IngestFunction %v", fn)
	}
	if code := p["Code"].(map[string]any); code["S3Bucket"] != "bkt" || code["S3Key"] != "otlpfwd/ingest.zip" {
		t.Errorf("Code %v", code)
	}
	for _, k := range []string{"Role", "Environment", "Architectures", "MemorySize", "Timeout", "LoggingConfig", "Runtime", "Handler"} {
		if p[k] == nil {
			t.Errorf("IngestFunction lost %s", k)
		}
	}
	if fn["Metadata"] != nil {
		t.Error("the SAM build metadata is still there")
	}
	for _, k := range []string{"RawStream", "ExportStream", "DeadLetterQueue", "EsmFailureQueue", "IngestLogGroup", "IngestRole", "ExportRole", "SubscriptionRole", "IngestEventSource", "ExportEventSource", "PipelineKey"} {
		if res[k] == nil {
			t.Errorf("%s was left out", k)
		}
	}
	// Nothing left refers to something left out.
	b, _ := json.Marshal(sub.Body)
	for _, d := range dropped {
		if strings.Contains(string(b), `"`+d.Name+`"`) {
			t.Errorf("%s is still referred to", d.Name)
		}
	}
	// The caller's template is untouched.
	if Type(loadTemplate(t).Resources()["IngestFunction"]) != "AWS::Serverless::Function" {
		t.Error("changed the input")
	}
}

// TestSubsetCascade leaves out what refers to what was left out,
// transitively, and keeps references to parameters and pseudo parameters.
func TestSubsetCascade(t *testing.T) {
	tpl, err := Parse([]byte(`
Transform: AWS::Serverless-2016-10-31
Parameters:
  P: {Type: String, Default: x}
Resources:
  Alarm: {Type: AWS::CloudWatch::Alarm, Properties: {Threshold: 1}}
  Queue: {Type: AWS::SQS::Queue, Properties: {QueueName: !Sub "${AWS::StackName}-${P}-q"}}
  Role:
    Type: AWS::IAM::Role
    Properties: {Description: !Sub "watches ${Alarm.Arn}"}
  Stream:
    Type: AWS::Kinesis::Stream
    DependsOn: [Role]
    Properties: {Name: !Sub ["${X}", {X: !Ref Queue}]}
  Local:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fn/, Runtime: provided.al2023}
Outputs:
  QueueUrl: {Value: !Ref Queue}
  RoleArn: {Value: !GetAtt Role.Arn}
  Literal: {Value: !Sub "${!NotARef}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	sub, dropped, err := Subset(tpl, MotoTypes)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range dropped {
		got[d.Name] = d.Reason
	}
	want := map[string]string{
		"Alarm":           "AWS::CloudWatch::Alarm is not supported by the stand-in",
		"Local":           "its CodeUri is not packaged to S3",
		"Role":            "it refers to Alarm, which was left out",
		"Stream":          "it refers to Role, which was left out",
		"Outputs.RoleArn": "it refers to Role, which was left out",
	}
	if len(got) != len(want) {
		t.Errorf("left out %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if sub.Resources()["Queue"] == nil || len(sub.OutputKeys()) != 2 {
		t.Errorf("kept %v and outputs %v", sub.Resources(), sub.OutputKeys())
	}
}

func TestSubsetRefusesSAMOnlyProperties(t *testing.T) {
	tpl, _ := Parse([]byte(`
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k.zip, Events: {}}
`))
	if _, _, err := Subset(tpl, MotoTypes); err == nil || !strings.Contains(err.Error(), "F uses the SAM property Events") {
		t.Fatalf("err %v", err)
	}
}
