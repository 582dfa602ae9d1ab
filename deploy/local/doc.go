// Package local runs the whole otlpfwd pipeline on one machine: it
// provisions the streams, queue, secrets and log group subscription in an
// AWS-compatible endpoint (moto by default, or a real account), runs both
// Lambdas (as real bootstraps under the Lambda Runtime Interface Emulator,
// or in process), drives them with the event-source poller, writes
// telemetry into CloudWatch Logs as a Lambda function would, and accounts
// for every item: written, delivered, dead-lettered, pending.
package local
