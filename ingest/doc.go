// Package ingest is the ingest Lambda's handler: it reads a batch of the raw
// Kinesis stream (CloudWatch Logs subscription payloads), decodes every log
// event with the processor chain, routes the telemetry to the collectors
// whose rules match, packs it per (collector, signal) into tier-2 records
// and writes them to the export stream. Undecodable input goes to the DLQ
// with its raw bytes; it never fails or blocks the batch. Only source
// records whose output could not be written (nor dead-lettered) are
// reported in BatchItemFailures, so Lambda retries from the lowest of them.
//
// The same Handler runs in the Lambda bootstrap (ingest/lambda), in the
// local pipeline and in tests.
package ingest
