// Package exporter is an OpenTelemetry Go SDK exporter for applications: a
// span exporter ([Spans], a trace.SpanExporter), a log exporter ([Logs], an
// sdk/log Exporter) and a metric exporter ([Metrics], an sdk/metric
// Exporter) that write each batch as one otlp-stdout envelope line (see
// package otlpstdout) to stdout or to a named pipe, instead of sending
// OTLP/HTTP. In AWS Lambda the lines reach CloudWatch Logs, and otlpfwd
// carries them to the collectors.
//
// A batch whose line would be longer than Options.MaxLineBytes (200 KiB by
// default) is written as several lines instead, split between resources,
// scopes and items: Lambda cuts longer stdout lines into pieces that
// cannot be decoded. Strings that are not valid UTF-8, which OTLP protobuf
// forbids, are written with U+FFFD in place of the invalid bytes rather
// than failing the batch.
//
// The lines are those of the reference exporters (npm
// @dev7a/otlp-stdout-span-exporter and its Python and Rust siblings): the
// same keys in the same order, the same endpoint, the gzip level, headers,
// level and output taken from the same environment variables, with env
// winning over [Options] as in the reference:
//
//	OTEL_SERVICE_NAME                             source (first choice)
//	AWS_LAMBDA_FUNCTION_NAME                      source (after Options.Source)
//	OTEL_EXPORTER_OTLP_HEADERS                    headers, every signal
//	OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_HEADERS  headers of one signal (win)
//	OTLP_STDOUT_SPAN_EXPORTER_COMPRESSION_LEVEL   gzip level 0-9 (default 6)
//	OTLP_STDOUT_SPAN_EXPORTER_LOG_LEVEL           "level": debug, info, warn(ing), error
//	OTLP_STDOUT_SPAN_EXPORTER_OUTPUT_TYPE         stdout (default) or pipe
//	OTLP_STDOUT_SPAN_EXPORTER_MAX_LINE_BYTES      line cap in bytes (default 204800), 0 for none
//	OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE         cumulative, delta, lowmemory
//	OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION  explicit_bucket_histogram,
//	                                                          base2_exponential_bucket_histogram
//
// The OTLP_STDOUT_SPAN_EXPORTER_* variables apply to all three signals (the
// reference exporters have no metric or log siblings to name others;
// MAX_LINE_BYTES is this package's own, the reference has no cap), and
// the endpoint is http://localhost:4318/v1/traces, /v1/metrics or /v1/logs.
// Unlike the reference, a value that does not parse is an error from the
// constructor, never a silent default.
//
// Every line is written with a single Write while holding a lock shared by
// all the exporters of this package, so lines from concurrent exports never
// interleave. Exports are synchronous: when ExportSpans, Export or
// ForceFlush of a provider returns, the lines have been written, so a Lambda
// handler only needs to flush its providers before it returns (see
// examples/lambda).
package exporter
