// Package loadtest generates tagged telemetry into the pipeline and
// accounts for every item: written, delivered (to each collector),
// dead-lettered, pending, missing or duplicated, with end-to-end latency.
// The local pipeline (otlpfwd local) and the load test share it.
package loadtest
