// Command otlpfwd is the operator CLI of the otlpfwd pipeline: deploy the
// stack, subscribe log groups, inspect and redrive the DLQ, run the whole
// pipeline locally, and decode records for debugging. Run otlpfwd --help.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/otlpfwd/otlpfwd/deploy/cli"
)

func main() {
	// The first SIGINT or SIGTERM cancels ctx: the command stops cleanly
	// (a prompt returns at once, a redrive gives its messages back) and
	// exits 130. Then the default handling is restored, so that a second
	// Ctrl-C ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := cli.Main(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
