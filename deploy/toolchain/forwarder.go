package toolchain

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"path/filepath"
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
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	gt, err := findGo(ctx)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "otelcol-forwarder", forwarderKey(gt))
	path, err := ensure(ctx, dir, forwarderBinary, func(tmp string) error {
		builder, err := goInstall(ctx, opts, filepath.Join(cache, "builder", builderVersion), builderBinary, builderPackage+"@"+builderVersion)
		if err != nil {
			return fmt.Errorf("install the Collector Builder: %w", err)
		}
		fmt.Fprintf(opts.progress(), "otlpfwd: building the forwarder Collector for %s (about 2 minutes on 2 cores, once)\n", dir)
		return buildFromConfig(ctx, opts, gt, builder, tmp, forwarderConfig, forwarderBinary)
	})
	if err != nil {
		return "", fmt.Errorf("build the forwarder Collector: %w", err)
	}
	return path, nil
}

func forwarderKey(gt goTool) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s@%s\n%s %s\n", forwarderConfig, builderPackage, builderVersion, gt.version, gt.platform)
	return hex.EncodeToString(h.Sum(nil))[:16]
}
