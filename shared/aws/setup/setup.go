package setup

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/otlpfwd/otlpfwd/shared/aws/secrets"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// MetricsNamespace is the CloudWatch namespace of the functions' EMF
// metrics.
const MetricsNamespace = "otlpfwd"

// Variables read here.
const (
	EnvLogLevel     = "OTLPFWD_LOG_LEVEL"
	EnvOwnLogGroups = "OTLPFWD_OWN_LOG_GROUPS"
	EnvRoutesTTL    = "OTLPFWD_COLLECTORS_TTL"
)

// Logger returns the JSON logger on w at the level named by
// OTLPFWD_LOG_LEVEL (debug, info, warn, error; default info).
func Logger(w io.Writer, env *Env) *slog.Logger {
	var level slog.Level
	if v := env.Get(EnvLogLevel); v != "" {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			env.Fail(fmt.Errorf("%s=%q: want debug, info, warn or error", EnvLogLevel, v))
		}
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// AWS loads the AWS configuration. Region, credentials and endpoint are
// taken from env when it sets them (AWS_REGION, AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL), else from the SDK's default
// chain, so a local runner can configure an in-process handler without
// touching the process environment.
func AWS(ctx context.Context, env *Env) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if r := env.Get("AWS_REGION"); r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	if id, secret := env.Get("AWS_ACCESS_KEY_ID"), env.Get("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, env.Get("AWS_SESSION_TOKEN"))))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("load AWS configuration: %w", err)
	}
	if ep := env.Get("AWS_ENDPOINT_URL"); ep != "" {
		cfg.BaseEndpoint = aws.String(ep)
	}
	if cfg.Region == "" {
		env.Fail(fmt.Errorf("AWS_REGION is not set"))
	}
	return cfg, nil
}

// Routes returns the cached routing table from the collectors source the
// environment names (route.FromEnv), refreshed every OTLPFWD_COLLECTORS_TTL
// (default 5m). The function's own log groups (OTLPFWD_OWN_LOG_GROUPS,
// comma-separated) are never routed to an AWS endpoint.
func Routes(cfg aws.Config, env *Env, logger *slog.Logger) *route.Cached {
	sm := func(prefix string) (route.Source, error) {
		return secrets.NewSource(secretsmanager.NewFromConfig(cfg), prefix, secrets.Options{})
	}
	src, err := route.FromEnv(env.Get, sm)
	env.Fail(err)
	if src == nil {
		src = route.StaticSource(nil)
	}
	own := env.List(EnvOwnLogGroups)
	if lg := env.Get("AWS_LAMBDA_LOG_GROUP_NAME"); lg != "" && !contains(own, lg) {
		own = append(own, lg)
	}
	return route.NewCached(src, route.CacheOptions{
		TTL:    env.Duration(EnvRoutesTTL, route.DefaultTTL),
		Table:  route.Options{OwnLogGroups: own},
		Logger: logger,
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
