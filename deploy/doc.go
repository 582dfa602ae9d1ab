// Package deploy is the operator side of otlpfwd: the otlpfwd CLI
// (deploy/cmd/otlpfwd, built from deploy/cli), the stack, log group
// subscriptions, DLQ operations and the local pipeline.
package deploy
