// Package faults is a fault-injecting HTTP reverse proxy for the end-to-end
// tests: it listens on 127.0.0.1 in front of one target (the OpenTelemetry
// Collector, or moto) and, while it runs, applies the rules a test sets.
//
// A rule matches a request by method, path prefix, X-Amz-Target operation,
// Kinesis stream or SQS queue named in the body, a predicate on the body, a
// time window and a count, and then acts: answer a status without forwarding
// (Respond, AWSError), answer after the target processed the request (Respond
// with Forward: the duplicate-producing case), wait before forwarding or
// before answering (Delay), reset the connection partway through the request
// or the response (Reset), drop the connection at once (Refuse), or fail
// chosen entries of a Kinesis PutRecords the way AWS throttling does
// (KinesisPartialFailure). Requests no rule matches are forwarded unchanged,
// streamed in both directions over kept-alive connections. Down and Up close
// and reopen the listener on the same port, so clients see connection
// refused.
//
// The proxy counts what it matched and injected (Stats) and keeps a bounded
// log of the requests it saw (Requests). Neither holds bodies or headers, and
// nothing it logs does either.
package faults
