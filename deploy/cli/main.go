package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// IO is where a command reads and writes.
type IO struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
	// ExitInterrupted is the shell's code for a command ended by SIGINT
	// (128 + 2): the command was interrupted (Ctrl-C) and stopped cleanly.
	ExitInterrupted = 130
)

// usageError marks errors in how the command was called.
type usageError struct{ error }

// args wraps a cobra argument check so that its failure is a usage error.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := check(cmd, a); err != nil {
			return usageError{fmt.Errorf("%w (see %s --help)", err, cmd.CommandPath())}
		}
		return nil
	}
}

// Main runs the CLI and returns the process exit code.
func Main(ctx context.Context, args []string, std IO) int {
	root := newRoot(std)
	root.SetArgs(args)
	root.SetIn(std.In)
	root.SetOut(std.Out)
	root.SetErr(std.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(std.Err, "otlpfwd: %v\n", err)
	return exitCode(ctx, err)
}

// exitCode maps a command's error to the exit status: 2 for wrong flags,
// 130 when the command failed because it was interrupted (ctx ended: Ctrl-C
// or SIGTERM), 1 otherwise.
func exitCode(ctx context.Context, err error) int {
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		return ExitUsage
	case errors.Is(err, ErrInterrupted) || ctx.Err() != nil:
		return ExitInterrupted
	}
	return ExitError
}

func newRoot(std IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "otlpfwd",
		Short: "Operate the otlpfwd serverless OpenTelemetry pipeline",
		Long: `otlpfwd forwards OpenTelemetry data that Lambda functions write to stdout
(the otlp-stdout envelope) from CloudWatch Logs, through Kinesis, to your
OTLP collectors, and keeps what cannot be delivered in an SQS dead-letter queue.

Common tasks:
  otlpfwd local                      run the whole pipeline on this machine
  otlpfwd deploy --resolve-s3        build and deploy the stack (template.yaml)
  otlpfwd subscribe --prefix /aws/lambda/prod-
                                     send those log groups' telemetry to the pipeline
  otlpfwd status                     is the pipeline healthy?
  otlpfwd dlq inspect --peek 5       what is in the dead-letter queue, and why
  otlpfwd dlq redrive                send it again, deleting what is delivered
  otlpfwd decode event.json          show what a Kinesis event or CloudWatch payload holds

Every command writes its result to stdout (--output table or json) and its
progress and prompts to stderr. Exit status: 0 success, 1 failure (or a
declined prompt), 2 wrong flags, 130 interrupted (Ctrl-C; a second Ctrl-C
ends the process at once).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.Version = buildVersion()
	root.SetVersionTemplate("otlpfwd {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
	})
	root.AddCommand(newDecodeCmd(std))
	root.AddCommand(newLocalCmd(std))
	root.AddCommand(newDeployCmd(std))
	root.AddCommand(opsCommands(std)...)
	return root
}

// Version is the release, set at link time
// (-ldflags "-X github.com/otlpfwd/otlpfwd/deploy/cli.Version=v1.2.3");
// empty, otlpfwd --version reports the module version and the commit the
// binary was built from.
var Version string

// buildVersion says which otlpfwd this is: Version, else the module
// version (go install ...@v1.2.3), with the commit it was built from.
func buildVersion() string {
	v := Version
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return orDefault(v, "(unknown)")
	}
	if v == "" {
		v = info.Main.Version
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if modified == "true" {
			rev += ", modified"
		}
		v += " (commit " + rev + ")"
	}
	return orDefault(v, "(devel)") + " " + info.GoVersion
}
