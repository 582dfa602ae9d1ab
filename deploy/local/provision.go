package local

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/otlpfwd/otlpfwd/loadtest"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// Spec says what to provision.
type Spec struct {
	// Name prefixes every resource ("otlpfwd-local").
	Name string
	// RawShards and ExportShards size the streams (default 2 each).
	RawShards, ExportShards int
	// LogGroups are subscribed to the raw stream (created if absent).
	LogGroups []string
	// Collectors are written as one Secrets Manager secret each under
	// SecretPrefix.
	Collectors []route.Collector
	// SubscriptionRoleArn is the role CloudWatch Logs assumes to write to
	// the raw stream. Required in a real account; with a stand-in, moto's
	// account's NAME-cwl-to-kinesis by default.
	SubscriptionRoleArn string
}

// ErrNoSubscriptionRole is returned by Provision in a real account
// without Spec.SubscriptionRoleArn.
var ErrNoSubscriptionRole = errors.New("no subscription role: in a real AWS account, CloudWatch Logs needs a role it may assume (trusting logs.amazonaws.com) that allows kinesis:PutRecord on the raw stream; pass its ARN with --subscription-role-arn")

// Stack is what Provision made.
type Stack struct {
	RawStream, RawStreamARN       string
	ExportStream, ExportStreamARN string
	DLQURL, DLQARN                string
	// FailureQueueURL receives the event source mappings' on-failure
	// records (batch metadata, not data).
	FailureQueueURL string
	SecretPrefix    string
	LogGroups       []string
}

// Provision creates the streams, queues, secrets, log groups and
// subscriptions of spec, reusing those that exist.
func (a *AWS) Provision(ctx context.Context, spec Spec) (*Stack, error) {
	if spec.Name == "" {
		spec.Name = "otlpfwd-local"
	}
	if spec.RawShards <= 0 {
		spec.RawShards = 2
	}
	if spec.ExportShards <= 0 {
		spec.ExportShards = 2
	}
	if spec.SubscriptionRoleArn == "" {
		if a.Endpoint == "" && len(spec.LogGroups) > 0 {
			return nil, ErrNoSubscriptionRole
		}
		spec.SubscriptionRoleArn = fmt.Sprintf("arn:aws:iam::%s:role/%s-cwl-to-kinesis", MotoAccount, spec.Name)
	}
	st := &Stack{RawStream: spec.Name + "-raw", ExportStream: spec.Name + "-export", SecretPrefix: spec.Name + "/collectors/", LogGroups: spec.LogGroups}
	var err error
	if st.RawStreamARN, err = a.ensureStream(ctx, st.RawStream, spec.RawShards); err != nil {
		return nil, err
	}
	if st.ExportStreamARN, err = a.ensureStream(ctx, st.ExportStream, spec.ExportShards); err != nil {
		return nil, err
	}
	if st.DLQURL, st.DLQARN, err = a.ensureQueue(ctx, spec.Name+"-dlq"); err != nil {
		return nil, err
	}
	if st.FailureQueueURL, _, err = a.ensureQueue(ctx, spec.Name+"-esm-failures"); err != nil {
		return nil, err
	}
	if err := a.PutCollectors(ctx, st.SecretPrefix, spec.Collectors); err != nil {
		return nil, err
	}
	for _, lg := range spec.LogGroups {
		if err := a.subscribe(ctx, lg, st.RawStreamARN, spec.Name, spec.SubscriptionRoleArn); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (a *AWS) ensureStream(ctx context.Context, name string, shards int) (string, error) {
	_, err := a.Kinesis.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(int32(shards))})
	var inUse *kintypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return "", fmt.Errorf("create stream %s: %w", name, err)
	}
	for {
		out, err := a.Kinesis.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err != nil {
			return "", fmt.Errorf("describe stream %s: %w", name, err)
		}
		if out.StreamDescriptionSummary.StreamStatus == kintypes.StreamStatusActive {
			return aws.ToString(out.StreamDescriptionSummary.StreamARN), nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (a *AWS) ensureQueue(ctx context.Context, name string) (url, arn string, err error) {
	out, err := a.SQS.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{
		"MessageRetentionPeriod": "1209600", "MaximumMessageSize": "262144", "VisibilityTimeout": "30",
	}})
	if err != nil {
		return "", "", fmt.Errorf("create queue %s: %w", name, err)
	}
	attrs, err := a.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return "", "", fmt.Errorf("queue %s attributes: %w", name, err)
	}
	return aws.ToString(out.QueueUrl), attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], nil
}

// PutCollectors writes one secret per collector under prefix (updating
// those that exist).
func (a *AWS) PutCollectors(ctx context.Context, prefix string, cs []route.Collector) error {
	for i := range cs {
		c := &cs[i]
		body, err := c.ConfigJSON()
		if err != nil {
			return fmt.Errorf("collector %s: %w", c.Name, err)
		}
		name := prefix + c.Name
		_, err = a.Secrets.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(string(body))})
		if err != nil && strings.Contains(err.Error(), "ResourceExists") {
			_, err = a.Secrets.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(string(body))})
		}
		if err != nil {
			return fmt.Errorf("secret %s: %w", name, err)
		}
	}
	return nil
}

// subscribe creates the log group if needed and points a subscription
// filter at the raw stream.
func (a *AWS) subscribe(ctx context.Context, logGroup, streamARN, name, roleArn string) error {
	_, err := a.Logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(logGroup)})
	var exists *logtypes.ResourceAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create log group %s: %w", logGroup, err)
	}
	_, err = a.Logs.PutSubscriptionFilter(ctx, &cloudwatchlogs.PutSubscriptionFilterInput{
		LogGroupName:   aws.String(logGroup),
		FilterName:     aws.String(name),
		FilterPattern:  aws.String(""),
		DestinationArn: aws.String(streamARN),
		RoleArn:        aws.String(roleArn),
	})
	if err != nil {
		return fmt.Errorf("subscribe %s to %s: %w", logGroup, streamARN, err)
	}
	return nil
}

// Resources lists what Run creates in the account (or reuses, when it
// exists): what an operator agrees to before otlpfwd local --aws. Nothing
// is deleted afterwards.
func Resources(o RunOptions) []string {
	name := o.Name
	if name == "" {
		name = "otlpfwd-local"
	}
	raw, export := o.RawShards, o.ExportShards
	if raw <= 0 {
		raw = 2
	}
	if export <= 0 {
		export = 2
	}
	out := []string{
		fmt.Sprintf("Kinesis stream %s-raw (%d shards, billed per shard-hour until you delete it)", name, raw),
		fmt.Sprintf("Kinesis stream %s-export (%d shards, billed per shard-hour until you delete it)", name, export),
		fmt.Sprintf("SQS queue %s-dlq", name),
		fmt.Sprintf("SQS queue %s-esm-failures", name),
	}
	collectors := []string{"local"}
	if len(o.Collectors) > 0 {
		collectors = collectors[:0]
		for _, c := range o.Collectors {
			collectors = append(collectors, c.Name)
		}
	}
	for _, c := range collectors {
		out = append(out, fmt.Sprintf("Secrets Manager secret %s/collectors/%s (billed monthly until you delete it)", name, c))
	}
	groups := append(slices.Clone(o.LogGroups), loadtest.NewGenerator(o.Load, nil).LogGroups()...)
	for _, g := range groups {
		out = append(out, fmt.Sprintf("CloudWatch Logs log group %s with subscription filter %s to the raw stream (the generated lines are ingested and stored: billed)", g, name))
	}
	return out
}
