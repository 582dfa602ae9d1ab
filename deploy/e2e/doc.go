// Package e2e holds the end-to-end tests: the real ingest and export
// bootstraps under the Lambda Runtime Interface Emulator, moto for Kinesis,
// SQS, CloudWatch Logs and Secrets Manager, and the real OpenTelemetry
// Collector, wired by deploy/local. It has no code of its own.
package e2e
