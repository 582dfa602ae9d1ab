package route

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Source yields the configured collectors. Implementations: FileSource,
// StaticSource, the one FromEnv picks, and shared/aws/secrets.Source.
type Source interface {
	Collectors(ctx context.Context) ([]Collector, error)
}

// FileSource reads a JSON or YAML file (see ParseConfig) on every call, so
// that a Cached over it picks up edits.
type FileSource struct {
	Path string
}

// Collectors reads and parses the file.
func (s FileSource) Collectors(ctx context.Context) ([]Collector, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(s.Path)
	if err != nil {
		return nil, fmt.Errorf("read collectors file: %w", err)
	}
	cs, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("collectors file %s: %w", s.Path, err)
	}
	return cs, nil
}

// String names the file.
func (s FileSource) String() string { return "file " + s.Path }

// StaticSource is a fixed list of collectors (tests, local runs).
type StaticSource []Collector

// Collectors returns a copy of the list.
func (s StaticSource) Collectors(context.Context) ([]Collector, error) {
	out := make([]Collector, len(s))
	for i := range s {
		out[i] = normalize(s[i])
	}
	return out, nil
}

// String says how many collectors the list holds.
func (s StaticSource) String() string { return fmt.Sprintf("a static list of %d collectors", len(s)) }

// The environment variables FromEnv reads; exactly one must be set.
const (
	// EnvCollectors holds the configuration itself (JSON or YAML). Its
	// header values are visible to whoever can read the function's
	// configuration: use it for local runs and tests.
	EnvCollectors = "OTLPFWD_COLLECTORS"
	// EnvCollectorsFile names a configuration file.
	EnvCollectorsFile = "OTLPFWD_COLLECTORS_FILE"
	// EnvCollectorsSecretPrefix is a Secrets Manager name prefix: one
	// secret per collector (shared/aws/secrets).
	EnvCollectorsSecretPrefix = "OTLPFWD_COLLECTORS_SECRET_PREFIX"
)

// SecretsLoader builds the Source for a Secrets Manager name prefix. It
// keeps the AWS SDK out of this package: the Lambda main passes a function
// that wraps shared/aws/secrets.NewSource around its client.
type SecretsLoader func(prefix string) (Source, error)

// FromEnv picks the collectors' Source from the environment: exactly one
// of OTLPFWD_COLLECTORS (inline, parsed now so that a mistake fails at
// start-up), OTLPFWD_COLLECTORS_FILE or OTLPFWD_COLLECTORS_SECRET_PREFIX
// (through secrets, which may be nil where Secrets Manager is not
// available). An empty variable counts as unset. The returned Source has a
// String method that says where the collectors come from.
func FromEnv(getenv func(string) string, secrets SecretsLoader) (Source, error) {
	inline, file, prefix := getenv(EnvCollectors), getenv(EnvCollectorsFile), getenv(EnvCollectorsSecretPrefix)
	var set []string
	for _, v := range []struct{ name, value string }{{EnvCollectors, inline}, {EnvCollectorsFile, file}, {EnvCollectorsSecretPrefix, prefix}} {
		if v.value != "" {
			set = append(set, v.name)
		}
	}
	switch len(set) {
	case 0:
		return nil, fmt.Errorf("no collectors configured: set one of %s (a Secrets Manager name prefix), %s (a JSON or YAML file) or %s (the configuration itself)",
			EnvCollectorsSecretPrefix, EnvCollectorsFile, EnvCollectors)
	case 1:
	default:
		return nil, fmt.Errorf("collectors configured twice: %s are all set; set exactly one", strings.Join(set, " and "))
	}
	switch {
	case inline != "":
		cs, err := ParseConfig([]byte(inline))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvCollectors, err)
		}
		return envSource{StaticSource(cs)}, nil
	case file != "":
		return FileSource{Path: file}, nil
	default:
		if secrets == nil {
			return nil, fmt.Errorf("%s is set, but Secrets Manager is not available here: use %s or %s", EnvCollectorsSecretPrefix, EnvCollectorsFile, EnvCollectors)
		}
		src, err := secrets(prefix)
		if err != nil {
			return nil, fmt.Errorf("%s=%s: %w", EnvCollectorsSecretPrefix, prefix, err)
		}
		if src == nil {
			return nil, errors.New("route.FromEnv: the secrets loader returned no source")
		}
		return src, nil
	}
}

// envSource is the inline configuration of EnvCollectors.
type envSource struct{ StaticSource }

func (envSource) String() string { return "environment variable " + EnvCollectors }
