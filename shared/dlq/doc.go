// Package dlq defines the dead-letter message: what the pipeline could not
// deliver, why, and enough metadata to inspect and redrive it.
//
// A message body is one JSON object (version "v": 1) whose "payload" is the
// base64 of gzip of an OTLP Export*ServiceRequest in protobuf, or, for the
// reason "undecodable", of the raw bytes that could not be decoded.
// Payloads too large for one queue message are split on OTLP boundaries
// (resource, then scope, then item) so that every message holds a valid
// request on its own; only bytes that are not OTLP (undecodable input) or
// a single item larger than a message are cut into chunks, which carry a
// group id, an index and a count.
package dlq
