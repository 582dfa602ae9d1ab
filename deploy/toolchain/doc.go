// Package toolchain builds and caches the local stand-ins that otlpfwd's tests
// and local runner start: the AWS Lambda Runtime Interface Emulator and a
// minimal OpenTelemetry Collector made with the Collector Builder. It also finds
// an installed moto server, and builds the forwarding Collector (otlp receiver,
// batch processor, otlphttp exporter) that the load test compares export with.
//
// Binaries live under [CacheDir], one folder per version or build
// configuration, and are built once: a file lock in the cache lets several
// processes (go test runs packages in parallel) ask at once, the first builds
// and the others wait and reuse. A build goes to a temporary folder that is
// renamed into place, so a cached folder is always complete.
package toolchain
