// Package driver runs a load test: it brings the local pipeline up
// (deploy/local), writes tagged telemetry at a set rate, follows every item
// to the collector or the DLQ, samples the functions' processes, and turns
// it all into a loadtest.Result for the cost model and the reports.
package driver
