package local

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// ReadStream returns every record now in the stream, shard by shard from
// the oldest, shaped as Lambda delivers them in a Kinesis event.
func (a *AWS) ReadStream(ctx context.Context, streamARN string) ([]events.KinesisEventRecord, error) {
	shards, err := a.Kinesis.ListShards(ctx, &kinesis.ListShardsInput{StreamARN: aws.String(streamARN)})
	if err != nil {
		return nil, fmt.Errorf("list shards of %s: %w", streamARN, err)
	}
	var out []events.KinesisEventRecord
	for _, sh := range shards.Shards {
		it, err := a.Kinesis.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamARN: aws.String(streamARN), ShardId: sh.ShardId, ShardIteratorType: kintypes.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			return nil, fmt.Errorf("shard iterator %s: %w", aws.ToString(sh.ShardId), err)
		}
		iter := it.ShardIterator
		for iter != nil {
			res, err := a.Kinesis.GetRecords(ctx, &kinesis.GetRecordsInput{StreamARN: aws.String(streamARN), ShardIterator: iter, Limit: aws.Int32(10000)})
			if err != nil {
				return nil, fmt.Errorf("get records %s: %w", aws.ToString(sh.ShardId), err)
			}
			for _, r := range res.Records {
				out = append(out, EventRecord(streamARN, aws.ToString(sh.ShardId), a.Config.Region, r))
			}
			if len(res.Records) == 0 || aws.ToInt64(res.MillisBehindLatest) == 0 {
				break
			}
			iter = res.NextShardIterator
		}
	}
	return out, nil
}

// EventRecord shapes a Kinesis record as Lambda puts it in an event.
func EventRecord(streamARN, shard, region string, r kintypes.Record) events.KinesisEventRecord {
	seq := aws.ToString(r.SequenceNumber)
	rec := events.KinesisEventRecord{
		AwsRegion: region, EventID: shard + ":" + seq, EventName: "aws:kinesis:record", EventSource: "aws:kinesis",
		EventSourceArn: streamARN, EventVersion: "1.0",
		Kinesis: events.KinesisRecord{KinesisSchemaVersion: "1.0", PartitionKey: aws.ToString(r.PartitionKey), SequenceNumber: seq, Data: r.Data},
	}
	if r.ApproximateArrivalTimestamp != nil {
		rec.Kinesis.ApproximateArrivalTimestamp = events.SecondsEpochTime{Time: *r.ApproximateArrivalTimestamp}
	}
	return rec
}
