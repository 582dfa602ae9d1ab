// Package cli implements the otlpfwd command line. Main runs it with the
// given arguments and streams, so tests drive exactly what operators run.
package cli
