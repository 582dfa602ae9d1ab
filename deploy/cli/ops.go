package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/otlpfwd/otlpfwd/deploy/stack"
)

// opsDeps are what the operating commands (subscribe, dlq, status) reach
// outside the process; tests replace them.
type opsDeps struct {
	// loadAWS returns the AWS configuration for the flags (deploy's).
	loadAWS func(ctx context.Context, f deployFlags) (aws.Config, error)
	// isTerminal reports whether the input is an interactive terminal
	// (confirmation prompts).
	isTerminal func(io.Reader) bool
	// isTerminalOut reports whether an output is a terminal (progress
	// bars).
	isTerminalOut func(io.Writer) bool
}

func defaultOpsDeps() opsDeps {
	return opsDeps{loadAWS: loadAWS, isTerminal: isTerminal, isTerminalOut: isTerminalOut}
}

// opsCommands are the commands that operate a deployed stack.
func opsCommands(std IO) []*cobra.Command { return opsCommandsWith(std, defaultOpsDeps()) }

func opsCommandsWith(std IO, deps opsDeps) []*cobra.Command {
	return []*cobra.Command{
		newSubscribeCmd(std, deps), newUnsubscribeCmd(std, deps), newSubscriptionsCmd(std, deps),
		newDLQCmd(std, deps), newStatusCmd(std, deps),
	}
}

// isTerminalOut reports whether w is a terminal.
func isTerminalOut(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// stackFlags are the flags every operating command shares: which stack,
// which account and Region, and the output format.
type stackFlags struct {
	stackName, region, profile, endpoint, output string
}

const stackFlagsHelp = `The pipeline's resources (streams, queues, roles, log groups) are read from
the outputs of the CloudFormation stack --stack-name (see otlpfwd deploy);
flags such as --queue-url override one output, for a pipeline deployed
another way. Credentials and Region come from the usual AWS places
(environment, ~/.aws/config, --profile, --region); --endpoint-url sends
every call to a stand-in such as moto.`

func (f *stackFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.stackName, "stack-name", "otlpfwd", "the otlpfwd CloudFormation stack whose outputs name the resources")
	fl.StringVar(&f.region, "region", "", "AWS region (default: AWS_REGION or your profile's region)")
	fl.StringVar(&f.profile, "profile", "", "named profile from your AWS config and credentials files")
	fl.StringVar(&f.endpoint, "endpoint-url", "", "send every AWS call to this URL instead of AWS (a stand-in such as moto)")
	fl.StringVarP(&f.output, "output", "o", "table", "result format: table or json (progress and prompts go to stderr)")
}

// check lists the problems of the shared flags.
func (f *stackFlags) check() []error {
	var errs []error
	if f.output != "table" && f.output != "json" {
		errs = append(errs, fmt.Errorf("--output %q: want table or json", f.output))
	}
	if !stackNamePattern.MatchString(f.stackName) {
		errs = append(errs, fmt.Errorf("--stack-name %q: a stack name has 1 to 57 letters, digits and hyphens, starting with a letter", f.stackName))
	}
	return errs
}

// opsEnv is a connected command: its AWS configuration and, read on
// first need, its stack's outputs.
type opsEnv struct {
	cfg     aws.Config
	flags   stackFlags
	stack   *stack.Stack
	outputs *stack.Outputs
}

func (f *stackFlags) connect(ctx context.Context, deps opsDeps) (*opsEnv, error) {
	cfg, err := deps.loadAWS(ctx, deployFlags{region: f.region, profile: f.profile, endpoint: f.endpoint})
	if err != nil {
		return nil, err
	}
	return &opsEnv{cfg: cfg, flags: *f}, nil
}

// describe reads the stack once.
func (e *opsEnv) describe(ctx context.Context) (*stack.Stack, error) {
	if e.stack != nil {
		return e.stack, nil
	}
	st, err := stack.Describe(ctx, cloudformation.NewFromConfig(e.cfg), e.flags.stackName)
	if err != nil {
		if errors.Is(err, stack.ErrNoStack) {
			return nil, fmt.Errorf("%w; or check --stack-name, --region and --profile: it was looked for in region %s", err, e.cfg.Region)
		}
		return nil, err
	}
	e.stack = st
	o := st.OutputValues()
	e.outputs = &o
	return st, nil
}

// outputFlags name the flag that replaces each stack output, for a
// pipeline deployed another way.
var outputFlags = map[string]string{
	stack.OutputRawStreamArn:          "--destination-arn",
	stack.OutputSubscriptionRoleArn:   "--role-arn",
	stack.OutputDeadLetterQueueURL:    "--queue-url",
	stack.OutputExportStreamArn:       "--export-stream",
	stack.OutputCollectorSecretPrefix: "--collector-secret-prefix (or --collectors-file)",
}

// value returns the flag's value when set, else the stack output key.
func (e *opsEnv) value(ctx context.Context, flag, key string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if _, err := e.describe(ctx); err != nil {
		if name, ok := outputFlags[key]; ok && errors.Is(err, stack.ErrNoStack) {
			return "", fmt.Errorf("%w; for a pipeline deployed another way, pass %s", err, name)
		}
		return "", err
	}
	return e.outputs.Get(key)
}

// optional returns the stack output key, or "" when the stack lacks it.
func (e *opsEnv) optional(ctx context.Context, key string) string {
	if _, err := e.describe(ctx); err != nil {
		return ""
	}
	return e.outputs.Values[key]
}

// ownLogGroups returns the pipeline's own log groups, which must never be
// subscribed: the union of the flag's, the stack's OwnLogGroups,
// IngestLogGroupName and ExportLogGroupName outputs, and the names the
// template gives the functions' log groups (/aws/lambda/STACK-ingest and
// /aws/lambda/STACK-export). The flag adds to the protection, never
// replaces it. A stack that does not exist adds only the names derived
// from --stack-name; another failure to read it is an error.
func (e *opsEnv) ownLogGroups(ctx context.Context, flag []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(gs ...string) {
		for _, g := range gs {
			if g = strings.TrimSpace(g); g != "" && !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	if _, err := e.describe(ctx); err == nil {
		add(strings.Split(e.outputs.Values[stack.OutputOwnLogGroups], ",")...)
		add(e.outputs.Values[stack.OutputIngestLogGroupName], e.outputs.Values[stack.OutputExportLogGroupName])
	} else if !errors.Is(err, stack.ErrNoStack) {
		return nil, err
	}
	add(defaultOwnLogGroups(e.flags.stackName)...)
	add(flag...)
	return out, nil
}

// defaultOwnLogGroups are the log groups template.yaml gives the functions
// of stack name (FunctionName ${AWS::StackName}-ingest and -export).
func defaultOwnLogGroups(name string) []string {
	return []string{"/aws/lambda/" + name + "-ingest", "/aws/lambda/" + name + "-export"}
}

// confirmable holds the flags of a command that changes things.
type confirmable struct {
	dryRun, yes bool
}

func (c *confirmable) register(fl *pflag.FlagSet, what string) {
	fl.BoolVar(&c.dryRun, "dry-run", false, "show what would "+what+", and change nothing")
	fl.BoolVarP(&c.yes, "yes", "y", false, "do it without asking")
}

// check refuses to run without a way to confirm.
func (c *confirmable) check(std IO, deps opsDeps, verb string) error {
	if !c.dryRun && !c.yes && !deps.isTerminal(std.In) {
		return fmt.Errorf("refusing to %s without confirmation: the input is not a terminal; pass --yes to go ahead without asking, or --dry-run to only see what would change", verb)
	}
	return nil
}

// ask asks the question unless --yes; declining is an error, and so is
// an interrupt (ErrInterrupted).
func (c *confirmable) ask(ctx context.Context, std IO, question string) error {
	if c.yes {
		return nil
	}
	ok, err := confirm(ctx, std, question+" [y/N] ")
	if errors.Is(err, ErrInterrupted) {
		return fmt.Errorf("%w: nothing was changed", err)
	}
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("declined: nothing was changed")
	}
	return nil
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
