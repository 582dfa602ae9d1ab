package ingest

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/otlpfwd/otlpfwd/shared/aws/queue"
	"github.com/otlpfwd/otlpfwd/shared/aws/setup"
	"github.com/otlpfwd/otlpfwd/shared/aws/stream"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/emf"
)

// Environment variables of the ingest function (besides those of
// shared/aws/setup and route.FromEnv).
const (
	EnvExportStream      = "OTLPFWD_EXPORT_STREAM"
	EnvDLQURL            = "OTLPFWD_DLQ_URL"
	EnvRawStream         = "OTLPFWD_RAW_STREAM"
	EnvMaxRecordBytes    = "OTLPFWD_MAX_RECORD_BYTES"
	EnvPartitionBuckets  = "OTLPFWD_PARTITION_BUCKETS"
	EnvDLQMaxMessageSize = "OTLPFWD_DLQ_MAX_MESSAGE_BYTES"
	EnvMargin            = "OTLPFWD_DEADLINE_MARGIN"
)

// FromEnv builds the Handler the way the Lambda runs it: AWS clients, the
// routing table and the writers, configured from getenv, with its JSON log
// lines and EMF metrics written to out (stdout in Lambda). Every problem is
// reported at once.

func FromEnv(ctx context.Context, getenv func(string) string, out io.Writer) (*Handler, error) {
	env := setup.NewEnv(getenv)
	logger := setup.Logger(out, env)
	exportStream := env.Required(EnvExportStream, "the export stream (name or ARN)")
	dlqURL := env.Required(EnvDLQURL, "the dead-letter queue URL")
	maxRecord := env.Int(EnvMaxRecordBytes, DefaultMaxRecordBytes, MinRecordBytes)
	if err := checkMaxRecordBytes(maxRecord); err != nil {
		env.Fail(fmt.Errorf("%s=%d: %w", EnvMaxRecordBytes, maxRecord, err))
		maxRecord = DefaultMaxRecordBytes
	}
	opts := Options{
		SourceStream:       env.Get(EnvRawStream),
		MaxRecordBytes:     maxRecord,
		PartitionBuckets:   env.Int(EnvPartitionBuckets, DefaultPartitionBuckets, 1),
		DLQMaxMessageBytes: env.Int(EnvDLQMaxMessageSize, dlq.DefaultMaxBody, 8<<10),
		Margin:             env.Duration(EnvMargin, DefaultMargin),
		Logger:             logger,
		Metrics:            emf.New(out, setup.MetricsNamespace),
	}
	if n := opts.DLQMaxMessageBytes; n > dlq.MaxBody {
		env.Fail(fmt.Errorf("%s=%d: want at most %d (1 MiB), the largest message SQS accepts", EnvDLQMaxMessageSize, n, dlq.MaxBody))
	}
	cfg, err := setup.AWS(ctx, env)
	if err != nil {
		return nil, err
	}
	opts.Region = cfg.Region
	routes := setup.Routes(cfg, env, logger)
	if err := env.Err(); err != nil {
		return nil, err
	}
	w := stream.NewWriter(kinesis.NewFromConfig(cfg), exportStream, stream.Options{})
	q := queue.NewWriter(sqs.NewFromConfig(cfg), dlqURL, queue.Options{MaxBatchBytes: opts.DLQMaxMessageBytes})
	return New(routes, w, q, opts)
}
