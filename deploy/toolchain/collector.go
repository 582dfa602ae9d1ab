package toolchain

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"text/template"
)

const (
	builderPackage  = "go.opentelemetry.io/collector/cmd/builder"
	builderVersion  = "v0.165.0"
	builderBinary   = "builder"
	collectorBinary = "otelcol-otlpfwd"
)

//go:embed otelcol-builder.yaml
var builderConfig string

// EnsureCollector returns the path of a minimal OpenTelemetry Collector
// (otlp receiver, debug and file exporters, env/file/yaml config providers),
// building it with the Collector Builder on first use into
// CacheDir()/otelcol/KEY, where KEY hashes the builder configuration, the
// builder's version and the Go version. A fresh build takes about two minutes
// on two cores; the binary is stripped (the builder's default -s -w).
func EnsureCollector(ctx context.Context, opts Options) (string, error) {
	return ensureBuild(ctx, opts, build{dir: "otelcol", name: "OpenTelemetry Collector", config: builderConfig, binary: collectorBinary})
}

// build is one Collector build: a builder configuration and where its
// binary is cached.
type build struct {
	dir, name, config, binary string
}

// ensureBuild returns the cached binary of b, building it first if needed.
func ensureBuild(ctx context.Context, opts Options, b build) (string, error) {
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	gt, err := findGo(ctx)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, b.dir, buildKey(b.config, gt))
	path, err := ensure(ctx, dir, b.binary, func(tmp string) error {
		builder, err := goInstall(ctx, opts, filepath.Join(cache, "builder", builderVersion), builderBinary, builderPackage+"@"+builderVersion)
		if err != nil {
			return fmt.Errorf("install the Collector Builder: %w", err)
		}
		fmt.Fprintf(opts.progress(), "otlpfwd: building the %s for %s (about 2 minutes on 2 cores, once)\n", b.name, dir)
		return buildFromConfig(ctx, opts, gt, builder, tmp, b.config, b.binary)
	})
	if err != nil {
		return "", fmt.Errorf("build the %s: %w", b.name, err)
	}
	return path, nil
}

// buildKey hashes what a build depends on: its configuration, the
// builder's version and the Go version and platform.
func buildKey(config string, gt goTool) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s@%s\n%s %s\n", config, builderPackage, builderVersion, gt.version, gt.platform)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// The builder's own `go mod tidy` fails because a test-only dependency of
// the fileexporter is not served by the module proxy, so the build runs in
// three steps: generate (its tidy failure tolerated), `go mod tidy -e`,
// compile.

// buildFromConfig runs the three-step build for the builder configuration
// text config, whose dist.name is binary, and leaves tmp/binary and
// tmp/builder.yaml.
func buildFromConfig(ctx context.Context, opts Options, gt goTool, builder, tmp, config, binary string) error {
	src := filepath.Join(tmp, "src")
	cfg := filepath.Join(tmp, "builder.yaml")
	if err := writeBuilderConfig(cfg, config, src, gt.path); err != nil {
		return err
	}
	progress := opts.progress()
	env := []string{"GOWORK=off"}
	genErr := run(ctx, progress, tmp, env, builder, "--config", cfg, "--skip-compilation")
	if genErr != nil {
		if ctx.Err() != nil || !generated(src) {
			return fmt.Errorf("generate collector sources: %w", genErr)
		}
		fmt.Fprintln(progress, "otlpfwd: the builder's go mod tidy failure above is expected; going on with go mod tidy -e")
	}
	if err := run(ctx, progress, src, env, gt.path, "mod", "tidy", "-e"); err != nil {
		return fmt.Errorf("resolve collector modules: %w", err)
	}
	if err := run(ctx, progress, tmp, env, builder, "--config", cfg, "--skip-generate", "--skip-get-modules"); err != nil {
		return fmt.Errorf("compile the collector: %w", err)
	}
	if err := os.Rename(filepath.Join(src, binary), filepath.Join(tmp, binary)); err != nil {
		return fmt.Errorf("collect the collector binary: %w", err)
	}
	if err := run(ctx, progress, tmp, nil, filepath.Join(tmp, binary), "components"); err != nil {
		return fmt.Errorf("run the new collector: %w", err)
	}
	// Keep the configuration with the binary (its paths point into tmp), drop
	// the generated sources.
	return os.RemoveAll(src)
}

func writeBuilderConfig(path, config, outputPath, goPath string) error {
	tmpl, err := template.New("builder").Parse(config)
	if err != nil {
		return fmt.Errorf("parse embedded builder config: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write builder config: %w", err)
	}
	err = tmpl.Execute(f, map[string]string{
		"OutputPath": strconv.Quote(outputPath),
		"Go":         strconv.Quote(goPath),
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write builder config %s: %w", path, err)
	}
	return nil
}

// generated reports whether the builder wrote the sources and go.mod.
func generated(src string) bool {
	for _, name := range []string{"go.mod", "main.go", "components.go"} {
		if _, err := os.Stat(filepath.Join(src, name)); err != nil {
			return false
		}
	}
	return true
}
