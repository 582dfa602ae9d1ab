// Package queue writes messages to an SQS queue (the dead-letter queue) with
// SendMessageBatch: at most 10 messages and MaxBatchBytes per call, retrying
// only the entries that failed for a reason that may pass, with backoff that
// never sleeps past the caller's deadline.
package queue
