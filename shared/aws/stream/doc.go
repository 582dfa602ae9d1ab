// Package stream writes records to a Kinesis stream with PutRecords: at most
// 500 entries and 5 MiB per call, retrying only the entries that the service
// reports as failed (throttling), with exponential backoff and jitter that
// never sleeps past the caller's deadline.
package stream
