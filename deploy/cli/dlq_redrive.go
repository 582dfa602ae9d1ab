package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/spf13/cobra"

	"github.com/otlpfwd/otlpfwd/deploy/dlqops"
	"github.com/otlpfwd/otlpfwd/deploy/stack"
	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/shared/aws/secrets"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// redriveSendBudget bounds one send with its retries; the lease
// (--visibility-timeout) must leave room for it.
const (
	redriveRetryFor   = time.Minute
	redriveSendBudget = 90 * time.Second
)

type redriveFlags struct {
	stack          stackFlags
	confirm        confirmable
	queueURL       string
	collector      string
	reason         string
	max            int
	toCollector    string
	toStream       bool
	exportStream   string
	rate           float64
	concurrency    int
	visibility     time.Duration
	collectorsFile string
	secretPrefix   string
}

func newDLQRedriveCmd(std IO, deps opsDeps) *cobra.Command {
	var f redriveFlags
	cmd := &cobra.Command{
		Use:   "redrive",
		Short: "Send the dead letters again, and delete each once it is delivered",
		Long: `redrive reads the DLQ and sends each dead letter again: to its collector with
the export function's own code (its encoding, compression, size limit and
credentials, read from the same collector configuration), or with
--to-stream back into the export stream, for the export function to deliver.
A message is deleted only after its data was accepted; one that fails stays,
and the summary says why. Undecodable input cannot be sent again and stays.

Filters choose what to send: --collector, --reason and --max. --to-collector
sends to another collector than the one each message names (the record
headers it carries go along only where that collector's pass_headers allow).
--rate and --concurrency keep a recovering collector from being flooded.

Safe to interrupt (Ctrl-C) and to run again: each message is hidden from
other readers while this run holds it (--visibility-timeout), deleted only
with this run's receipt and only while that lease holds, and given back at
once when the run stops. Nothing is lost; a send cut off by the interruption
may reach the collector twice when the run is resumed.

redrive shows what it will do and asks first; without a terminal it needs
--yes (or --dry-run, which reads and checks every message, sends nothing and
deletes nothing). Progress is a bar on a terminal, one line per dead letter
otherwise; the summary goes to stdout.

The collectors come from Secrets Manager under the stack's
CollectorSecretPrefix (as the export function reads them), or from
--collectors-file.

` + stackFlagsHelp + `

Exit status: 0 every dead letter chosen was delivered (or, dry run, could
be), 1 some failed, were skipped (undecodable input, messages that are not
otlpfwd dead letters, incomplete chunk groups: they stay in the queue for you
to look at), could not be deleted, or the run was declined, 2 wrong flags,
130 interrupted (Ctrl-C: what was not redriven stays in the queue; run the
same command again to resume).`,
		Example: `  # what would happen, without sending or deleting
  otlpfwd dlq redrive --dry-run

  # the collector honeycomb is back: send its dead letters, 20 per second
  otlpfwd dlq redrive --collector honeycomb --rate 20

  # a collector was renamed: send another's messages to it
  otlpfwd dlq redrive --collector old-name --to-collector new-name

  # let the export function deliver them (batched, merged), from CI
  otlpfwd dlq redrive --to-stream --yes -o json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRedrive(cmd.Context(), f, std, deps)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.queueURL, "queue-url", "", "the DLQ's URL (default: the stack's DeadLetterQueueUrl output)")
	fl.StringVar(&f.collector, "collector", "", "only the dead letters of this collector")
	fl.StringVar(&f.reason, "reason", "", "only the dead letters of this reason: permanent, retries_exhausted or circuit_open")
	fl.IntVar(&f.max, "max", 0, "send at most N dead letters (0: all)")
	fl.StringVar(&f.toCollector, "to-collector", "", "send to this collector instead of each message's own")
	fl.BoolVar(&f.toStream, "to-stream", false, "write them back into the export stream instead of sending them to the collector")
	fl.StringVar(&f.exportStream, "export-stream", "", "with --to-stream: the export stream's name or ARN (default: the stack's ExportStreamArn output)")
	fl.Float64Var(&f.rate, "rate", dlqops.DefaultRate, "dead letters sent per second, at most")
	fl.IntVar(&f.concurrency, "concurrency", dlqops.DefaultConcurrency, "dead letters in flight at once")
	fl.DurationVar(&f.visibility, "visibility-timeout", dlqops.DefaultLease, "how long each message read is hidden from other readers (extended while a send needs it)")
	fl.StringVar(&f.collectorsFile, "collectors-file", "", "read the collectors from this JSON or YAML file instead of Secrets Manager")
	fl.StringVar(&f.secretPrefix, "collector-secret-prefix", "", "Secrets Manager name prefix of the collectors (default: the stack's CollectorSecretPrefix output)")
	f.confirm.register(fl, "be sent")
	f.stack.register(fl)
	return cmd
}

func (f *redriveFlags) check(std IO, deps opsDeps) error {
	errs := f.stack.check()
	switch {
	case f.reason == "":
	case f.reason == string(dlq.Undecodable):
		errs = append(errs, errors.New("--reason undecodable: those messages hold input the pipeline could not read and cannot be sent again; look at them with otlpfwd dlq inspect --peek N"))
	case !slices.Contains(dlq.Reasons, dlq.Reason(f.reason)):
		errs = append(errs, fmt.Errorf("--reason %q: want permanent, retries_exhausted or circuit_open", f.reason))
	}
	if f.max < 0 {
		errs = append(errs, fmt.Errorf("--max %d: want 0 (all) or more", f.max))
	}
	if f.rate <= 0 {
		errs = append(errs, fmt.Errorf("--rate %g: want a positive number of dead letters per second", f.rate))
	}
	if f.concurrency < 1 || f.concurrency > 64 {
		errs = append(errs, fmt.Errorf("--concurrency %d: want 1 to 64", f.concurrency))
	}
	if minLease := redriveSendBudget + dlqops.DefaultLeaseMargin + time.Second; f.visibility < minLease || f.visibility > 12*time.Hour {
		errs = append(errs, fmt.Errorf("--visibility-timeout %s: want %s to 12h (a send may retry for %s)", f.visibility, minLease, redriveSendBudget))
	}
	if f.exportStream != "" && !f.toStream {
		errs = append(errs, errors.New("--export-stream goes with --to-stream"))
	}
	if f.collectorsFile != "" && f.secretPrefix != "" {
		errs = append(errs, errors.New("--collectors-file and --collector-secret-prefix both given: pass one"))
	}
	if err := f.confirm.check(std, deps, "redrive"); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}
	return nil
}

func runRedrive(ctx context.Context, f redriveFlags, std IO, deps opsDeps) error {
	if err := f.check(std, deps); err != nil {
		return err
	}
	env, err := f.stack.connect(ctx, deps)
	if err != nil {
		return err
	}
	url, err := env.value(ctx, f.queueURL, stack.OutputDeadLetterQueueURL)
	if err != nil {
		return err
	}
	routes, err := f.routes(ctx, env, std.Err)
	if err != nil {
		return err
	}
	var target dlqops.Target
	if f.toStream {
		streamARN, err := env.value(ctx, f.exportStream, stack.OutputExportStreamArn)
		if err != nil {
			return err
		}
		var rs export.Routes
		if routes != nil {
			rs = routes
		}
		target = dlqops.NewStreamTarget(kinesis.NewFromConfig(env.cfg), streamARN, rs, f.toCollector, nil)
	} else {
		client := otlphttp.NewClient(otlphttp.Options{Logger: slog.New(slog.NewTextHandler(std.Err, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		target = dlqops.NewCollectorTarget(routes, client, otlphttp.RetryPolicy{MaxElapsed: redriveRetryFor}, f.toCollector)
	}
	q := sqs.NewFromConfig(env.cfg)
	depth, err := dlqops.GetDepth(ctx, q, url)
	if err != nil {
		return err
	}
	total := depth.Visible
	if f.max > 0 {
		total = min(total, f.max)
	}
	verb := "Redrive"
	if f.confirm.dryRun {
		verb = "Dry run: would redrive"
	}
	fmt.Fprintf(std.Err, "%s %s of about %d messages in %s to %s%s.\n", verb, upTo(f.max), depth.Visible, url, describeTarget(f), describeFilters(f))
	if depth.InFlight > 0 {
		fmt.Fprintf(std.Err, "%d more messages are held by another reader (a redrive or inspect running now?) and are left alone.\n", depth.InFlight)
	}
	if !f.confirm.dryRun {
		if err := f.confirm.ask(ctx, std, "Each message is deleted once its data is accepted. Go ahead?"); err != nil {
			return err
		}
	}
	prog := newProgress(std.Err, deps.isTerminalOut(std.Err), total)
	sum, err := dlqops.Redrive(ctx, q, url, target, dlqops.RedriveOptions{
		Collector: f.collector, Reason: dlq.Reason(f.reason), Max: f.max, Rate: f.rate, Concurrency: f.concurrency,
		Lease: f.visibility, SendBudget: redriveSendBudget, DryRun: f.confirm.dryRun, OnEvent: prog.event,
	})
	prog.done()
	if sum == nil {
		return err
	}
	if f.stack.output == "json" {
		if jerr := writeJSON(std.Out, sum); jerr != nil {
			return errors.Join(err, jerr)
		}
	} else {
		printRedrive(std.Out, sum)
	}
	if err != nil {
		return err
	}
	switch {
	case sum.Interrupted:
		left, _ := dlqops.Count(sum.Left)
		return fmt.Errorf("interrupted: %d dead letters were redriven, %d left in the queue; nothing was lost: run the same command again to resume", sum.Redriven.Messages, left)
	case !sum.OK():
		return fmt.Errorf("some dead letters were not redriven (%s; see the summary): they are still in the queue; look at them with otlpfwd dlq inspect --peek N", strings.Join(sum.Problems(), ", "))
	}
	return nil
}

// routes loads the collectors the way the export function does. With
// --to-stream they only serve to check the messages, so a failure to
// load them is a warning.
func (f *redriveFlags) routes(ctx context.Context, env *opsEnv, warn io.Writer) (*route.Cached, error) {
	var src route.Source
	where := ""
	if f.collectorsFile != "" {
		src, where = route.FileSource{Path: f.collectorsFile}, "file "+f.collectorsFile
	} else {
		prefix, err := env.value(ctx, f.secretPrefix, stack.OutputCollectorSecretPrefix)
		if err != nil {
			return nil, err
		}
		s, err := secrets.NewSource(secretsmanager.NewFromConfig(env.cfg), prefix, secrets.Options{})
		if err != nil {
			return nil, usageError{fmt.Errorf("--collector-secret-prefix: %w", err)}
		}
		src, where = s, "Secrets Manager prefix "+prefix
	}
	own, _ := env.ownLogGroups(ctx, nil)
	routes := route.NewCached(src, route.CacheOptions{TTL: time.Hour, Table: route.Options{OwnLogGroups: own}})
	table, err := routes.Table(ctx)
	switch {
	case err != nil && f.toStream:
		fmt.Fprintf(warn, "Warning: cannot read the collectors (%v); writing to the export stream without checking them.\n", err)
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read the collectors from %s: %w (pass --collectors-file FILE or --collector-secret-prefix PREFIX to read them elsewhere)", where, err)
	}
	for _, w := range table.Warnings() {
		fmt.Fprintf(warn, "Warning: %s\n", w)
	}
	if f.toCollector != "" {
		if _, ok := table.Get(f.toCollector); !ok {
			var names []string
			for _, c := range table.Collectors() {
				names = append(names, c.Name)
			}
			return nil, usageError{fmt.Errorf("--to-collector %q: no such collector in %s; it has %s", f.toCollector, where, strings.Join(names, ", "))}
		}
	}
	return routes, nil
}

func upTo(max int) string {
	if max > 0 {
		return fmt.Sprintf("up to %d dead letters", max)
	}
	return "the dead letters"
}

func describeTarget(f redriveFlags) string {
	to := "each message's collector"
	if f.toCollector != "" {
		to = "collector " + f.toCollector
	}
	if f.toStream {
		return "the export stream, for " + to
	}
	return to
}

func describeFilters(f redriveFlags) string {
	var fs []string
	if f.collector != "" {
		fs = append(fs, "collector "+f.collector)
	}
	if f.reason != "" {
		fs = append(fs, "reason "+f.reason)
	}
	if len(fs) == 0 {
		return ""
	}
	return " (only " + strings.Join(fs, ", ") + ")"
}

// printRedrive writes the summary.
func printRedrive(w io.Writer, s *dlqops.Summary) {
	groups := func(title string, gs []dlqops.Group) {
		n, items := dlqops.Count(gs)
		if n == 0 {
			return
		}
		fmt.Fprintf(w, "%s: %d dead letters, %d items\n", title, n, items)
		for _, g := range gs {
			fmt.Fprintf(w, "  %4d  %s (e.g. message %s)\n", g.Messages, g.Why, g.Example)
		}
	}
	fmt.Fprintln(w, "Summary:")
	if s.DryRun {
		groups("Would redrive (dry run: nothing sent, nothing deleted)", s.WouldRedrive)
	} else {
		fmt.Fprintf(w, "Redriven: %d dead letters, %d items (delivered, then deleted)\n", s.Redriven.Messages, s.Redriven.Items)
	}
	groups("Failed (kept in the queue)", s.Failed)
	groups("Skipped (kept in the queue)", s.Skipped)
	groups("Left in the queue", s.Left)
	groups("Sent but not deleted (a later redrive sends them again)", s.NotDeleted)
	if s.Filtered > 0 {
		fmt.Fprintf(w, "Not chosen by --collector/--reason: %d dead letters (kept)\n", s.Filtered)
	}
	r := s.Remaining
	fmt.Fprintf(w, "Messages read: %d. The queue now holds about %d (%d visible, %d in flight; SQS's counts lag up to a minute).\n", s.Read, r.Total(), r.Visible, r.InFlight)
}
