// Package svc starts and stops the local stand-ins for AWS and for an OTLP
// collector as real processes: moto (Kinesis, SQS, CloudWatch Logs, Secrets
// Manager, CloudFormation), the OpenTelemetry Collector, and the Lambda
// Runtime Interface Emulator.
//
// Every server binds 127.0.0.1 on a free port and runs in its own process
// group with a parent-death signal, so nothing outlives the process that
// started it. Each handle's Stop kills exactly its process group and waits for
// it; it is safe to call more than once. Output goes to a log file in the
// folder given in the options, and start-up errors name that file.
//
// Binaries come from package toolchain unless the options name one.
package svc
