package export

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/otlpfwd/otlpfwd/shared/aws/queue"
	"github.com/otlpfwd/otlpfwd/shared/aws/setup"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/emf"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
)

// Environment variables of the export function (besides those of
// shared/aws/setup and route.FromEnv).
const (
	EnvDLQURL            = "OTLPFWD_DLQ_URL"
	EnvExportStream      = "OTLPFWD_EXPORT_STREAM"
	EnvMaxInFlight       = "OTLPFWD_MAX_IN_FLIGHT"
	EnvMargin            = "OTLPFWD_DEADLINE_MARGIN"
	EnvDLQMaxMessageSize = "OTLPFWD_DLQ_MAX_MESSAGE_BYTES"
	EnvBreakerFailures   = "OTLPFWD_BREAKER_FAILURES"
	EnvBreakerCooldown   = "OTLPFWD_BREAKER_COOLDOWN"
	// EnvAllowInsecureTLS must be "true" for collectors configured with
	// insecure_skip_verify to be sent to without verifying TLS.
	EnvAllowInsecureTLS = "OTLPFWD_ALLOW_INSECURE_TLS"
)

// FromEnv builds the Handler the way the Lambda runs it, configured from
// getenv, with its JSON log lines and EMF metrics written to out (stdout in
// Lambda). Every problem is reported at once.
func FromEnv(ctx context.Context, getenv func(string) string, out io.Writer) (*Handler, error) {
	env := setup.NewEnv(getenv)
	logger := setup.Logger(out, env)
	dlqURL := env.Required(EnvDLQURL, "the dead-letter queue URL")
	opts := Options{
		SourceStream:       env.Get(EnvExportStream),
		MaxInFlight:        env.Int(EnvMaxInFlight, DefaultMaxInFlight, 1),
		Margin:             env.Duration(EnvMargin, DefaultMargin),
		DLQMaxMessageBytes: env.Int(EnvDLQMaxMessageSize, dlq.DefaultMaxBody, 8<<10),
		Breaker: BreakerOptions{
			Failures: env.Int(EnvBreakerFailures, 3, -1),
			Cooldown: env.Duration(EnvBreakerCooldown, 30*time.Second),
		},
		Logger:  logger,
		Metrics: emf.New(out, setup.MetricsNamespace),
	}
	cfg, err := setup.AWS(ctx, env)
	if err != nil {
		return nil, err
	}
	routes := setup.Routes(cfg, env, logger)
	allowInsecure := env.Bool(EnvAllowInsecureTLS)
	if n := opts.DLQMaxMessageBytes; n > MaxDLQMessageBytes {
		env.Fail(fmt.Errorf("%s=%d: want at most %d (1 MiB), the largest message SQS accepts", EnvDLQMaxMessageSize, n, MaxDLQMessageBytes))
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	client := otlphttp.NewClient(otlphttp.Options{Logger: logger})
	if allowInsecure {
		// otlphttp logs a WARN that verification is off for this client.
		opts.Insecure = otlphttp.NewClient(otlphttp.Options{Logger: logger, InsecureSkipVerify: true})
	}
	q := queue.NewWriter(sqs.NewFromConfig(cfg), dlqURL, queue.Options{MaxBatchBytes: opts.DLQMaxMessageBytes})
	return New(routes, client, q, opts)
}
