package status

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/otlpfwd/otlpfwd/deploy/dlqops"
)

// StreamAPI describes a Kinesis stream; *kinesis.Client has it.
type StreamAPI interface {
	DescribeStreamSummary(ctx context.Context, in *kinesis.DescribeStreamSummaryInput, optFns ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error)
}

// MetricsAPI reads CloudWatch metrics; *cloudwatch.Client has it.
type MetricsAPI interface {
	GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// LogsAPI searches the functions' log groups; *cloudwatchlogs.Client has
// it.
type LogsAPI interface {
	FilterLogEvents(ctx context.Context, in *cloudwatchlogs.FilterLogEventsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error)
}

// MappingsAPI lists a function's event source mappings; *lambda.Client
// has it.
type MappingsAPI interface {
	ListEventSourceMappings(ctx context.Context, in *lambda.ListEventSourceMappingsInput, optFns ...func(*lambda.Options)) (*lambda.ListEventSourceMappingsOutput, error)
}

// Clients are the APIs Check reads. A nil Metrics or Mappings skips what
// it would tell (with a note).
type Clients struct {
	Streams  StreamAPI
	Metrics  MetricsAPI
	Logs     LogsAPI
	Mappings MappingsAPI
	Queues   dlqops.QueueAPI
}

var (
	_ StreamAPI   = (*kinesis.Client)(nil)
	_ MetricsAPI  = (*cloudwatch.Client)(nil)
	_ LogsAPI     = (*cloudwatchlogs.Client)(nil)
	_ MappingsAPI = (*lambda.Client)(nil)
)
