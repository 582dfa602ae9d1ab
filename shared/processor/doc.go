// Package processor turns CloudWatch Logs events into OTLP telemetry. Each
// Processor recognises one input shape; a Chain tries them in turn,
// validates what they produce with otlp.Scan and classifies every event as
// telemetry, skipped (an ordinary line nobody asked for), in progress (a
// span not ended yet) or undecodable. Default's order:
//
//   - aws-spans (AWSSpans): every event of the aws/spans log group, one
//     span as JSON, becomes a traces request; spans not yet ended are
//     counted and skipped (they are logged again when they end). The route
//     table never sends aws/spans data to an AWS endpoint (loop guard).
//   - otlp-stdout (OTLPStdout): the envelope lines of the exporters.
//   - lambda-platform (LambdaPlatform): REPORT lines, text or JSON
//     (platform.report), become gauges aws.lambda.duration,
//     aws.lambda.billed_duration, aws.lambda.init_duration,
//     aws.lambda.restore_duration, aws.lambda.billed_restore_duration (s)
//     and aws.lambda.memory_size, aws.lambda.max_memory_used (By), with
//     the function's name and version as resource attributes.
//   - plain-logs (PlainLogs): any other line becomes a log record, but only
//     for events whose Event.PlainLogs is set (a collector asked, per
//     route.Collector.PlainLogs) and never for Lambda's own START, END,
//     INIT_*, RESTORE_*, EXTENSION or platform.* lines.
//
// The requests that aws-spans, lambda-platform and plain-logs build hold
// one event each and are Mergeable: MergePayload joins those of one
// payload into one request per processor, signal and source, so that a
// payload of a hundred lines costs one tier-2 item, not a hundred. The
// shapes, and the AWS documentation they come from, are in
// testdata/README.md.
package processor
