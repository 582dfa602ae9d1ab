// Package export is the export Lambda's handler: it reads a shard batch of
// the export stream (tier-2 records), groups the payloads by collector,
// signal and passed headers, builds OTLP/HTTP requests per the collector's
// mode (merge: enrich the resources, merge identical resources and scopes,
// split to max_request_bytes; passthrough: concatenate the applications'
// gzip bytes untouched), sends collectors concurrently with spec-compliant
// retries inside the Lambda deadline, and dead-letters what cannot be
// delivered. A per-collector circuit breaker sends a failing collector's
// data straight to the DLQ until a probe succeeds.
//
// Only records whose data was neither delivered nor dead-lettered are
// reported in BatchItemFailures.
package export
