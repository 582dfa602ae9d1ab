// Package shared is the pure core of otlpfwd: decoding CloudWatch Logs
// payloads and the otlp-stdout envelope, normalizing and merging OTLP,
// routing to collectors, the tier-2 and DLQ record formats and the OTLP/HTTP
// client. Nothing under shared/ imports ingest/, export/, deploy/ or
// loadtest/; only shared/aws/ talks to the AWS SDK.
package shared
