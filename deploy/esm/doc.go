// Package esm models AWS Lambda's Kinesis event source mapping (ESM): it
// polls every shard of a Kinesis stream through the Kinesis API (moto or AWS)
// and invokes a function with batches of records, with Lambda's batching,
// ordering, checkpointing, retry, bisect and on-failure semantics. The local
// pipeline (`otlpfwd local`) and the end-to-end tests drive the ingest and
// export handlers with it, in process or under the Runtime Interface
// Emulator.
//
// # The rules modelled, and where they come from
//
// Sources: the Lambda developer guide pages "Using AWS Lambda with Amazon
// Kinesis" (with-kinesis), "Lambda parameters for Kinesis event source
// mappings" (services-kinesis-parameters), "Configuring partial batch
// response with Kinesis" (services-kinesis-batchfailurereporting), "Retain
// discarded batch records" (kinesis-on-failure-destination), "Batching
// behavior" (invocation-eventsourcemapping), the CreateEventSourceMapping API
// reference, and the AWS Compute Blog posts "New AWS Lambda scaling controls
// for Kinesis and DynamoDB event sources" (ParallelizationFactor) and
// "Optimizing batch processing with custom checkpoints in AWS Lambda".
//
// Batching:
//   - BatchSize: default 100, 1 to 10,000. Each batch holds records of one
//     shard only.
//   - MaximumBatchingWindowInSeconds: 0 to 300, default 0. Lambda reads until
//     it has a full batch, the window expires, or the batch reaches the 6 MB
//     synchronous invocation payload limit. With a window of 0 it invokes as
//     soon as records are available. The next window begins as soon as the
//     previous invocation completes.
//   - The 6 MB limit applies to the whole invocation payload, the event JSON:
//     record data is base64 in it (4/3 of the bytes) plus each record's
//     metadata. A single record larger than that is still sent alone.
//
// Order and concurrency:
//   - Lambda processes one batch at a time per shard and records of a shard in
//     order; it stops processing a shard while its batch is being retried.
//   - ParallelizationFactor (1 to 10, default 1) processes up to that many
//     batches of one shard concurrently; records with the same partition key
//     still go in order, since each concurrent batch holds the records of a
//     subset of partition keys. Here a key's slot is FNV-1a(key) mod N.
//   - A child shard (after a split or merge) is read only after its parents
//     are fully processed, as the KCL does, so per-key order survives
//     resharding.
//
// Starting position: TRIM_HORIZON, LATEST or AT_TIMESTAMP for a shard with no
// checkpoint. Shards that appear after the mapping started (children of a
// reshard) are read from TRIM_HORIZON.
//
// Success, partial success and failure:
//   - By default Lambda checkpoints the highest sequence number of a batch
//     only when the batch is a complete success; every other result is a
//     complete failure and the batch is retried.
//   - With FunctionResponseTypes [ReportBatchItemFailures] the function
//     returns {"batchItemFailures":[{"itemIdentifier":"<seq>"}]}. Lambda
//     checkpoints before the lowest failed sequence number and retries every
//     record from it on. An empty or null list, or an empty or null response,
//     is a complete success. An empty string or null itemIdentifier, or an
//     itemIdentifier under a wrong key name, makes the batch a complete
//     failure; so does, here, an identifier that is not a sequence number of
//     the batch. Without ReportBatchItemFailures the response is ignored.
//   - BisectBatchOnFunctionError: when an invocation fails, the batch is
//     split in two and each half retried separately (first half first),
//     regardless of ReportBatchItemFailures. Splitting does not count toward
//     the retry quota. When a partial batch response comes back with both
//     settings on, the batch is split at the returned sequence number and
//     only the remaining records are retried.
//   - MaximumRetryAttempts: -1 (default) is infinite, retrying until the
//     records expire; otherwise 0 to 10,000 retries after the first attempt
//     (N retries = N+1 invocations). Here each retry of a batch after a
//     function error or a partial failure counts; halves of a bisected batch
//     inherit the retries already counted, and a batch of one record that
//     keeps failing is retried up to the limit. Errors where the batch did not
//     reach the function (throttles, service errors: NotInvokedError) count
//     neither retries nor bisects and are retried until the records expire.
//   - MaximumRecordAgeInSeconds: -1 (default) is infinite (the stream's
//     retention still applies); otherwise 60 to 604,800. Records older than
//     that are discarded before an invocation, including the first.
//   - When retries are exhausted or records are too old, Lambda sends a
//     record describing the discarded batch to the OnFailure destination (an
//     SQS queue or SNS topic) and moves on; without a destination the records
//     are simply dropped. The record (see FailureRecord) holds no data, only
//     where to find it: requestContext {requestId, functionArn, condition
//     (RetryAttemptsExhausted or RecordAgeExceeded), approximateInvokeCount},
//     responseContext {statusCode, executedVersion, functionError}, version
//     "1.0", timestamp, and KinesisBatchInfo {shardId, startSequenceNumber,
//     endSequenceNumber, approximateArrivalOfFirstRecord,
//     approximateArrivalOfLastRecord, batchSize, streamArn}, with millisecond
//     ISO-8601 times for Kinesis. AWS may merge several failed halves into
//     one record (batchSize > 1 with bisect); here each failed batch is one
//     record.
//
// The event (with-kinesis "Example Kinesis record event"): {"Records":[{
// "kinesis":{"kinesisSchemaVersion":"1.0","partitionKey","sequenceNumber",
// "data" (base64),"approximateArrivalTimestamp" (epoch seconds with
// fraction)},"eventSource":"aws:kinesis","eventVersion":"1.0","eventID":
// "shardId-000000000006:<seq>","eventName":"aws:kinesis:record",
// "invokeIdentityArn","awsRegion","eventSourceARN"}]}.
//
// # Where this model is knowingly looser than Lambda
//
// Lambda's retry delays are not documented; here retries back off
// exponentially from Options.RetryBackoff. Lambda polls an idle shard about
// once a second; here every Options.PollInterval (200 ms), which also keeps
// each shard under Kinesis' 5 GetRecords calls per second. Checkpoints live
// in a Checkpoints store (memory or a JSON file) instead of Lambda's
// service-side lease table. Delivery is at least once, as in Lambda: records
// of a batch that was in flight when the mapping stopped are delivered again.
package esm
