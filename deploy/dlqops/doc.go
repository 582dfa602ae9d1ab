// Package dlqops reads and empties the pipeline's dead-letter queue: the
// SQS queue where the export function (and ingest, for undecodable input)
// puts what it could not deliver, in the format of shared/dlq.
//
// Inspect counts the messages by collector, signal, reason and age and
// decodes a few (Preview: services, item counts, time range, the last
// error) without deleting anything. Redrive sends them again, to their
// collector with the export function's own code (CollectorTarget, over
// export.Resender) or back into the export stream as tier-2 records
// (StreamTarget), and deletes each message only after its data was
// accepted; Redrive's documentation explains how its leases (visibility
// timeouts) keep an interrupted and resumed run from losing or deleting
// twice. GetDepth reads a queue's approximate counts.
//
// Both read the queue once through: each message is received with a
// visibility timeout that hides it from other readers while the run
// lasts, is counted once by its message id, and is made visible again at
// the end unless it was deleted. A payload that was cut into chunks is
// joined before it is decoded or sent, and its messages are deleted
// together.
package dlqops
