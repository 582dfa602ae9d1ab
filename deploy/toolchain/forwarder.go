package toolchain

import (
	"context"
	_ "embed"
)

const forwarderBinary = "otelcol-forwarder"

//go:embed otelcol-forwarder.yaml
var forwarderConfig string

// EnsureForwarder returns the path of an OpenTelemetry Collector built to
// forward (otlp receiver, batch processor, otlphttp exporter, env/file/yaml
// config providers), the baseline of the load test's comparison. It is built
// like EnsureCollector's, by the same three steps, into
// CacheDir()/otelcol-forwarder/KEY, where KEY hashes its own builder
// configuration, the builder's version and the Go version. A fresh build
// takes about two minutes on two cores.
func EnsureForwarder(ctx context.Context, opts Options) (string, error) {
	return ensureBuild(ctx, opts, build{dir: "otelcol-forwarder", name: "forwarder Collector", config: forwarderConfig, binary: forwarderBinary})
}
