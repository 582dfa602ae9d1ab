package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/otlpfwd/otlpfwd/deploy/stack"
)

// deployFlags are otlpfwd deploy's flags.
type deployFlags struct {
	stackName, templateFile   string
	region, profile, endpoint string
	bucket, prefix            string
	resolveS3                 bool
	overrides, tags           []string
	dryRun, yes, moto         bool
	output                    string
}

// deployDeps are what otlpfwd deploy reaches outside the process; tests
// replace them.
type deployDeps struct {
	// loadAWS returns the AWS configuration for the flags.
	loadAWS func(ctx context.Context, f deployFlags) (aws.Config, error)
	// builder compiles the bootstraps.
	builder stack.Builder
	// pollInterval spaces CloudFormation polls (0: the stack default).
	pollInterval time.Duration
	// isTerminal reports whether the input is an interactive terminal.
	isTerminal func(io.Reader) bool
}

func defaultDeployDeps() deployDeps {
	return deployDeps{loadAWS: loadAWS, builder: stack.GoBuilder{}, isTerminal: isTerminal}
}

func newDeployCmd(std IO) *cobra.Command { return newDeployCmdWith(std, defaultDeployDeps()) }

func newDeployCmdWith(std IO, deps deployDeps) *cobra.Command {
	var f deployFlags
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Build the two Lambda functions and create or update the otlpfwd stack",
		Long: `deploy puts the otlpfwd pipeline into your AWS account with CloudFormation,
from an otlpfwd source checkout (it needs Go; it does not need the SAM CLI):

  1. builds the ingest and export functions (./ingest/lambda, ./export/lambda)
     for Linux on the template's Architecture (arm64 unless overridden),
  2. zips each as "bootstrap" and uploads it to S3 (an object already there
     with the same SHA-256 checksum is reused),
  3. rewrites CodeUri in template.yaml to those S3 objects,
  4. creates a change set (CREATE for a new stack, UPDATE otherwise) and
     shows what it will add, modify or remove,
  5. asks for confirmation, executes it, prints the stack's events as they
     happen, and prints the stack's outputs (stream names, queue URLs,
     function names...) that the other otlpfwd commands use.

With --resolve-s3 the bucket is otlpfwd-artifacts-ACCOUNT-REGION; since
anyone can guess that name, every S3 call says which account must own it,
and a bucket of that name owned by another account is refused.

Parameters you do not override keep the stack's current values (on the first
deployment, the template's defaults). The template's parameters are listed at
the top of template.yaml: shard counts, memory, batch sizes, the collector
secret prefix, VPC subnets for the export function, and more.

--dry-run stops after step 4: it shows the change set and deletes it again,
leaving no stack or change set behind (the uploaded code stays in S3).
Without --yes, deploy asks before executing; when its input is not a terminal
(CI, scripts) it refuses unless --yes or --dry-run is given.

Credentials and region come from the usual AWS places (environment,
~/.aws/config, --profile, --region). --endpoint-url points every AWS call at
a stand-in; with moto, add --moto: moto's CloudFormation does not run the SAM
transform, so deploy sends the part of the template moto supports (streams,
queues, log groups, roles, the KMS key, and the functions as plain
AWS::Lambda::Function), without the alarms and the account policy.

Exit status: 0 deployed (or nothing to change, or dry run), 1 failed or
declined, 2 wrong flags, 130 interrupted (Ctrl-C; at the prompt, the change
set is deleted).`,
		Example: `  # first deployment, artifacts in a bucket otlpfwd creates for you
  otlpfwd deploy --resolve-s3

  # see what would change, without changing anything
  otlpfwd deploy --s3-bucket my-artifacts --dry-run

  # CI: no prompt, bigger streams, JSON result
  otlpfwd deploy --s3-bucket my-artifacts --yes --output json \
    --parameter-overrides RawShardCount=4 ExportShardCount=2 LogLevel=debug

  # a value with spaces
  otlpfwd deploy --resolve-s3 \
    --parameter-overrides 'AccountSubscriptionFilterPattern="{ $.level = * }"'`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDeploy(cmd.Context(), f, std, deps)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.stackName, "stack-name", "otlpfwd", "name of the CloudFormation stack; resources are named after it (at most 57 characters)")
	fl.StringVarP(&f.templateFile, "template-file", "t", "", "the SAM template (default: template.yaml in this folder or the nearest one above it)")
	fl.StringVar(&f.region, "region", "", "AWS region (default: AWS_REGION or your profile's region)")
	fl.StringVar(&f.profile, "profile", "", "named profile from your AWS config and credentials files")
	fl.StringVar(&f.endpoint, "endpoint-url", "", "send every AWS call to this URL instead of AWS (a stand-in such as moto)")
	fl.StringVar(&f.bucket, "s3-bucket", "", "S3 bucket for the function code (it must exist, in the stack's region)")
	fl.StringVar(&f.prefix, "s3-prefix", "", "key prefix of the uploaded code (default: the stack name)")
	fl.BoolVar(&f.resolveS3, "resolve-s3", false, "create (if needed) and use the bucket otlpfwd-artifacts-ACCOUNT-REGION instead of --s3-bucket (refused if another account owns it)")
	fl.StringArrayVar(&f.overrides, "parameter-overrides", nil, "template parameters as Key=Value, several per flag separated by spaces, quote values with spaces")
	fl.StringArrayVar(&f.tags, "tags", nil, "tags for the stack and its resources, as Key=Value (repeatable)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "show the change set, then delete it: change nothing")
	fl.BoolVarP(&f.yes, "yes", "y", false, "execute the change set without asking")
	fl.BoolVar(&f.moto, "moto", false, "the --endpoint-url is moto: send only what moto's CloudFormation supports")
	fl.StringVarP(&f.output, "output", "o", "table", "result format: table or json (progress always goes to stderr)")
	return cmd
}

// stackNamePattern keeps every resource name derived from the stack name
// within its limit (function names: 64 characters, "-export" included).
var stackNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,56}$`)

// deployInput is what runDeploy checked before any AWS call.
type deployInput struct {
	tpl       *stack.Template
	overrides map[string]string
	tags      map[string]string
}

// check validates the flags; every problem is a usage error.
func (f *deployFlags) check(std IO, deps deployDeps) (*deployInput, error) {
	var errs []error
	if !stackNamePattern.MatchString(f.stackName) {
		errs = append(errs, fmt.Errorf("--stack-name %q: use 1 to 57 letters, digits and hyphens, starting with a letter", f.stackName))
	}
	if f.output != "table" && f.output != "json" {
		errs = append(errs, fmt.Errorf("--output %q: want table or json", f.output))
	}
	switch {
	case f.bucket == "" && !f.resolveS3:
		errs = append(errs, errors.New("no S3 bucket for the function code: pass --s3-bucket NAME, or --resolve-s3 to use one otlpfwd creates"))
	case f.bucket != "" && f.resolveS3:
		errs = append(errs, errors.New("--s3-bucket and --resolve-s3 both given: pass one"))
	}
	if f.moto && f.endpoint == "" {
		errs = append(errs, errors.New("--moto needs --endpoint-url (the moto server's URL)"))
	}
	if !f.dryRun && !f.yes && !deps.isTerminal(std.In) {
		errs = append(errs, errors.New("refusing to deploy without confirmation: the input is not a terminal; pass --yes to deploy without asking, or --dry-run to only show the change set"))
	}
	overrides, err := stack.ParseOverrides(f.overrides)
	if err != nil {
		errs = append(errs, err)
	}
	tags, err := parseTags(f.tags)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, usageError{errors.Join(errs...)}
	}
	if f.templateFile == "" {
		if f.templateFile, err = findTemplate(); err != nil {
			return nil, usageError{err}
		}
	}
	tpl, err := stack.Load(f.templateFile)
	if err != nil {
		return nil, err
	}
	if err := stack.CheckOverrides(tpl, overrides); err != nil {
		return nil, usageError{err}
	}
	if f.prefix == "" {
		f.prefix = f.stackName
	}
	return &deployInput{tpl: tpl, overrides: overrides, tags: tags}, nil
}

func runDeploy(ctx context.Context, f deployFlags, std IO, deps deployDeps) error {
	in, err := f.check(std, deps)
	if err != nil {
		return err
	}
	cfg, err := deps.loadAWS(ctx, f)
	if err != nil {
		return err
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = f.endpoint != "" })
	owner := ""
	if f.resolveS3 {
		if f.bucket, owner, err = resolveBucket(ctx, cfg, s3c, std.Err); err != nil {
			return err
		}
	}
	cfn := cloudformation.NewFromConfig(cfg)
	d := stack.New(cfn, s3c, deps.builder, stack.Options{
		PollInterval: deps.pollInterval,
		Progress:     std.Err,
		TemplateURL:  templateURL(f.endpoint, cfg.Region),
	})
	req := stack.Request{StackName: f.stackName, Template: in.tpl, Bucket: f.bucket, BucketOwner: owner, Prefix: f.prefix, Overrides: in.overrides, Tags: in.tags}
	if f.moto {
		req.Reduce = func(t *stack.Template) (*stack.Template, error) {
			sub, dropped, err := stack.Subset(t, stack.MotoTypes)
			for _, d := range dropped {
				fmt.Fprintf(std.Err, "--moto: left out %s: %s\n", d.Name, d.Reason)
			}
			return sub, err
		}
	}
	cs, err := d.Plan(ctx, req)
	if err != nil {
		return err
	}
	res := deployResult{ChangeSet: cs, DryRun: f.dryRun}
	if f.output == "table" {
		printChangeSet(std.Out, cs)
	}
	if cs.Empty || f.dryRun {
		if err := d.Discard(ctx, cs); err != nil {
			return err
		}
		if cs.Empty {
			if res.Stack, err = stack.Describe(ctx, cfn, cs.StackID); err != nil {
				return err
			}
		}
		return printResult(std.Out, f.output, res)
	}
	if !f.yes {
		if f.output != "table" {
			// -o json keeps stdout for the result; the operator still
			// sees what they are asked to approve.
			printChangeSet(std.Err, cs)
		}
		ok, err := confirm(ctx, std, fmt.Sprintf("Deploy this change set to stack %s? [y/N] ", cs.StackName))
		if err != nil || !ok {
			derr := d.Discard(context.WithoutCancel(ctx), cs)
			switch {
			case errors.Is(err, ErrInterrupted):
				err = fmt.Errorf("%w: not deployed, the change set was deleted", err)
			default:
				err = errors.Join(errors.New("not deployed: the change set was declined and deleted"), err)
			}
			return errors.Join(err, derr)
		}
	}
	st, err := d.Execute(ctx, cs)
	res.Executed, res.Stack = true, st
	if err != nil {
		if st != nil && f.output == "json" {
			_ = printResult(std.Out, f.output, res)
		}
		return err
	}
	return printResult(std.Out, f.output, res)
}

// loadAWS builds the AWS configuration from the flags and the usual
// sources.
func loadAWS(ctx context.Context, f deployFlags) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if f.region != "" {
		opts = append(opts, config.WithRegion(f.region))
	}
	if f.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(f.profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return cfg, usageError{errors.New("no AWS region: pass --region or set AWS_REGION")}
	}
	if f.endpoint != "" {
		cfg.BaseEndpoint = aws.String(f.endpoint)
	}
	return cfg, nil
}

// resolveBucket finds or creates the account's otlpfwd artifact bucket
// and returns it with the account id that must own it.
func resolveBucket(ctx context.Context, cfg aws.Config, api stack.BucketAPI, progress io.Writer) (bucket, account string, err error) {
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", "", fmt.Errorf("--resolve-s3: find your account id: %w", err)
	}
	account = aws.ToString(id.Account)
	if account == "" {
		return "", "", errors.New("--resolve-s3: STS did not say which account the credentials belong to; pass --s3-bucket with a bucket you own")
	}
	bucket = stack.ArtifactBucket(account, cfg.Region)
	created, err := stack.EnsureBucket(ctx, api, bucket, cfg.Region, account)
	if err != nil {
		return "", "", fmt.Errorf("--resolve-s3: %w", err)
	}
	if created {
		fmt.Fprintf(progress, "Created S3 bucket %s for the function code\n", bucket)
	}
	return bucket, account, nil
}

// templateURL says where CloudFormation reads an uploaded template.
func templateURL(endpoint, region string) func(bucket, key string) string {
	if endpoint != "" {
		return func(bucket, key string) string { return strings.TrimRight(endpoint, "/") + "/" + bucket + "/" + key }
	}
	return func(bucket, key string) string {
		return "https://" + bucket + ".s3." + region + ".amazonaws.com/" + key
	}
}

// findTemplate looks for template.yaml in the working folder and its
// parents.
func findTemplate() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "template.yaml")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no template.yaml in this folder or above: run otlpfwd deploy inside an otlpfwd checkout, or pass --template-file")
		}
		dir = parent
	}
}

func parseTags(in []string) (map[string]string, error) {
	out := map[string]string{}
	var errs []error
	for _, t := range in {
		k, v, ok := strings.Cut(t, "=")
		if !ok || k == "" {
			errs = append(errs, fmt.Errorf("--tags %q: want Key=Value", t))
			continue
		}
		out[k] = v
	}
	return out, errors.Join(errs...)
}

// isTerminal reports whether r is an interactive terminal (not a pipe, a
// file or /dev/null).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// ErrInterrupted is returned when the operator interrupts (Ctrl-C) a
// prompt; Main exits 130 for it.
var ErrInterrupted = errors.New("interrupted")

// confirm asks question on stderr and reads a y/yes answer from stdin.
// The answer is read in a goroutine so that an interrupt (ctx ends: Ctrl-C)
// stops the wait at once, with ErrInterrupted.
func confirm(ctx context.Context, std IO, question string) (bool, error) {
	fmt.Fprint(std.Err, question)
	type answer struct {
		line string
		err  error
	}
	answers := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(std.In).ReadString('\n')
		answers <- answer{line, err}
	}()
	var a answer
	select {
	case <-ctx.Done():
		fmt.Fprintln(std.Err)
		return false, ErrInterrupted
	case a = <-answers:
	}
	if a.err != nil && a.line == "" {
		if errors.Is(a.err, io.EOF) {
			return false, nil
		}
		return false, fmt.Errorf("read the answer: %w", a.err)
	}
	switch strings.ToLower(strings.TrimSpace(a.line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
