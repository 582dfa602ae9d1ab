// Package processor turns CloudWatch Logs events into OTLP telemetry. Each
// Processor recognises one input shape (the otlp-stdout envelope, aws/spans
// events, Lambda REPORT lines, plain log lines); a Chain tries them in turn,
// validates what they produce with otlp.Scan and classifies every event as
// telemetry, skipped (an ordinary line nobody asked for) or undecodable.
package processor
