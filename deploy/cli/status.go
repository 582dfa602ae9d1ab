package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"
	"github.com/spf13/cobra"

	"github.com/otlpfwd/otlpfwd/deploy/stack"
	"github.com/otlpfwd/otlpfwd/deploy/status"
)

type statusFlags struct {
	stack          stackFlags
	since          time.Duration
	maxIteratorAge time.Duration
	dlqSample      int
}

func newStatusCmd(std IO, deps opsDeps) *cobra.Command {
	var f statusFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Tell whether the pipeline is healthy, on one screen",
		Long: `status reads the deployed pipeline and says whether it is healthy:

  streams     state, open shards, and how far each function lags behind its
              stream (CloudWatch: the function's IteratorAge, else the
              stream's GetRecords.IteratorAgeMilliseconds), and the state of
              its event source mapping
  queues      the dead-letter queue's depth, and its reasons from a sample
              (read and made visible again at once); the on-failure queue,
              where batches land that exhausted their retries
  functions   ERROR lines and runtime failures (timeouts, crashes) in their
              log groups, invocation errors and throttles
  collectors  items delivered, dead-lettered and circuit-open batches, from
              the export function's EMF counter lines

over the last --since. Every problem found comes with what to do about it.
Whatever cannot be read (a missing permission) is listed, not fatal.

With --endpoint-url, CloudWatch metrics are read with CloudWatch's Query
protocol, which stand-ins such as moto implement.

` + stackFlagsHelp + `

Exit status: 0 healthy (warnings allowed), 1 unhealthy or unreadable, 2
wrong flags. Scripts and monitors can rely on it.`,
		Example: `  otlpfwd status
  otlpfwd status --since 1h
  otlpfwd status -o json | jq '.problems[] | .what'`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStatus(cmd.Context(), f, std, deps)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&f.since, "since", status.DefaultSince, "how far back to look: metrics, error lines and counters of the last DURATION")
	fl.DurationVar(&f.maxIteratorAge, "max-iterator-age", status.DefaultMaxIteratorAge, "a function lagging more than this behind its stream is unhealthy")
	fl.IntVar(&f.dlqSample, "dlq-sample", status.DefaultDLQSample, "DLQ messages read to break its depth down by reason (0: none)")
	f.stack.register(fl)
	return cmd
}

func runStatus(ctx context.Context, f statusFlags, std IO, deps opsDeps) error {
	errs := f.stack.check()
	if f.since < time.Minute || f.since > 14*24*time.Hour {
		errs = append(errs, fmt.Errorf("--since %s: want 1m to 336h", f.since))
	}
	if f.maxIteratorAge <= 0 {
		errs = append(errs, fmt.Errorf("--max-iterator-age %s: want a positive duration", f.maxIteratorAge))
	}
	if f.dlqSample < 0 {
		errs = append(errs, fmt.Errorf("--dlq-sample %d: want 0 or more", f.dlqSample))
	}
	if len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}
	env, err := f.stack.connect(ctx, deps)
	if err != nil {
		return err
	}
	st, err := env.describe(ctx)
	if err != nil {
		return err
	}
	o := env.outputs
	res := status.Resources{
		Stack: st.Name, StackStatus: st.Status,
		RawStream: o.Values[stack.OutputRawStreamName], ExportStream: o.Values[stack.OutputExportStreamName],
		DLQURL: o.Values[stack.OutputDeadLetterQueueURL], FailureQueueURL: o.Values[stack.OutputEsmFailureQueueURL],
		IngestFunction: o.Values[stack.OutputIngestFunctionName], ExportFunction: o.Values[stack.OutputExportFunctionName],
		IngestLogGroup: o.Values[stack.OutputIngestLogGroupName], ExportLogGroup: o.Values[stack.OutputExportLogGroupName],
	}
	cw := cloudwatch.NewFromConfig(env.cfg, func(o *cloudwatch.Options) {
		if f.stack.endpoint != "" {
			o.Protocol = awsquery.New(cwschemas.GraniteServiceVersion20100801)
		}
	})
	sample := f.dlqSample
	if sample == 0 {
		sample = -1
	}
	rep, err := status.Check(ctx, status.Clients{
		Streams: kinesis.NewFromConfig(env.cfg), Metrics: cw, Logs: cloudwatchlogs.NewFromConfig(env.cfg),
		Mappings: lambda.NewFromConfig(env.cfg), Queues: sqs.NewFromConfig(env.cfg),
	}, res, status.Options{Since: f.since, MaxIteratorAge: f.maxIteratorAge, DLQSample: sample})
	if err != nil {
		return err
	}
	if f.stack.output == "json" {
		if err := writeJSON(std.Out, rep); err != nil {
			return err
		}
	} else if err := status.WriteText(std.Out, rep); err != nil {
		return err
	}
	if !rep.Healthy {
		n := 0
		for _, p := range rep.Problems {
			if p.Severity == status.Unhealthy {
				n++
			}
		}
		return fmt.Errorf("the pipeline is unhealthy (problems: %d, see above)", n)
	}
	return nil
}
