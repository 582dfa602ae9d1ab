// Package sink is an OTLP/HTTP receiver that reads, checks and discards:
// it inflates each request (gzip, possibly several members, or zstd),
// validates it against the OTLP schema, counts its items and answers 200
// with an empty export response. The load test's comparisons send to it, so
// that what is measured is the sender's work, not a backend's.
//
// It runs as its own process (Main), so that its CPU time is never charged
// to the process being measured; Start launches one and Client reads its
// counters.
package sink
