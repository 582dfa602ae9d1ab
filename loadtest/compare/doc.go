// Package compare measures the export stage against the OpenTelemetry
// Collector used as a forwarder, in spans per CPU-second on the same
// payloads (issue 8: export >= 2x the Collector).
//
// The Collector (otlp receiver -> batch processor -> otlphttp exporter,
// gzip; toolchain.EnsureForwarder) runs as its own process on loopback and
// forwards to a sink process (loadtest/sink); its CPU time is read from
// /proc/PID/stat around the load, up to the moment the sink has every span.
// The export handler runs on the same payloads packed as tier-2 records,
// in this process (its CPU from getrusage), sending with the real OTLP/HTTP
// client to a sink process or to a null sender, in merge and passthrough
// modes; and as the real bootstrap process under a fake Lambda Runtime API,
// measured like the Collector.
package compare
