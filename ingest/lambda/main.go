// Command lambda is the ingest function's bootstrap: it builds the handler
// once from the environment and serves Lambda invocations with it.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/otlpfwd/otlpfwd/ingest"
	"github.com/otlpfwd/otlpfwd/shared/aws/setup"
)

func main() {
	setup.SetMemoryLimit(os.Getenv)
	h, err := ingest.FromEnv(context.Background(), os.Getenv, os.Stdout)
	if err != nil {
		// The function cannot work: say why once, where CloudWatch keeps it.
		setup.Logger(os.Stdout, setup.NewEnv(os.Getenv)).Error("ingest cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
