// Package status tells whether a deployed pipeline is healthy, on one
// screen: its streams (state, shards, how far each function lags behind
// its stream), its queues (the DLQ's depth and, from a sample, its
// reasons; the event source mappings' on-failure queue), its functions
// (error lines in their log groups, invocation errors, the state of their
// event source mappings) and its collectors (delivered, dead-lettered and
// circuit-open counts from the export function's EMF lines, the same
// counters loadtest sums).
//
// Check gathers everything it can: a source it cannot read (a missing
// permission, an API a stand-in lacks) becomes a note on the report, not
// a failure, and Check returns an error only when nothing could be read.
// The verdict (Report.Healthy) is false when any Problem is of severity
// Unhealthy; every Problem says what to do.
package status
