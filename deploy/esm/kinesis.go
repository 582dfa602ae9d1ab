package esm

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// ShardLister finds a stream and its shards (*kinesis.Client does).
type ShardLister interface {
	DescribeStreamSummary(ctx context.Context, params *kinesis.DescribeStreamSummaryInput, optFns ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error)
	ListShards(ctx context.Context, params *kinesis.ListShardsInput, optFns ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
}

// ShardReader reads records of a shard (*kinesis.Client does).
type ShardReader interface {
	GetShardIterator(ctx context.Context, params *kinesis.GetShardIteratorInput, optFns ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, params *kinesis.GetRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)
}

// Kinesis is the part of the Kinesis API a Mapping uses.
type Kinesis interface {
	ShardLister
	ShardReader
}

var _ Kinesis = (*kinesis.Client)(nil)
