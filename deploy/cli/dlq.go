package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/spf13/cobra"

	"github.com/otlpfwd/otlpfwd/deploy/dlqops"
	"github.com/otlpfwd/otlpfwd/deploy/stack"
)

func newDLQCmd(std IO, deps opsDeps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "Inspect and redrive the dead-letter queue",
		Long: `The dead-letter queue (DLQ) holds the telemetry the pipeline could not deliver,
with the reason:

  permanent          the collector refused it (400, 401, 403, 404, 413, 415,
                     500...) or is no longer configured
  retries_exhausted  the collector kept failing (429, 502, 503, 504, network)
                     until the export function had to stop
  circuit_open       the collector had failed repeatedly, so nothing was tried
  undecodable        input the pipeline could not read; it holds the raw bytes

Messages stay 14 days. Look with otlpfwd dlq inspect, fix the cause (the
collector, its credentials, its configuration), then send them again with
otlpfwd dlq redrive.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError{errors.New("name a subcommand: otlpfwd dlq inspect or otlpfwd dlq redrive (see otlpfwd dlq --help)")}
		},
	}
	cmd.AddCommand(newDLQInspectCmd(std, deps), newDLQRedriveCmd(std, deps))
	return cmd
}

type inspectFlags struct {
	stack       stackFlags
	queueURL    string
	peek        int
	maxMessages int
	visibility  time.Duration
}

func newDLQInspectCmd(std IO, deps opsDeps) *cobra.Command {
	var f inspectFlags
	cmd := &cobra.Command{
		Use:   "inspect",
		Short: "Count the dead letters by collector, signal, reason and age, and show a few",
		Long: `inspect reads the DLQ without deleting anything and counts its messages by
collector, signal, reason and age (time in the queue), with the spans, data
points and log records they hold. --peek N decodes the first N: their
services, item counts and time range, and the collector's last answer.

Each message read is hidden from other readers (a redrive) for
--visibility-timeout while the scan runs, then made visible again at once.
A large queue is sampled: --max-messages bounds the read.

` + stackFlagsHelp + `

Exit status: 0 read (whatever the queue holds), 1 could not read, 2 wrong
flags.`,
		Example: `  otlpfwd dlq inspect
  otlpfwd dlq inspect --peek 3
  otlpfwd dlq inspect -o json | jq .by_reason`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runInspect(cmd.Context(), f, std, deps)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.queueURL, "queue-url", "", "the DLQ's URL (default: the stack's DeadLetterQueueUrl output)")
	fl.IntVar(&f.peek, "peek", 0, "decode and show the first N dead letters")
	fl.IntVar(&f.maxMessages, "max-messages", dlqops.DefaultMaxMessages, "read at most this many messages")
	fl.DurationVar(&f.visibility, "visibility-timeout", dlqops.DefaultInspectVisibility, "how long each message read stays hidden from other readers during the scan")
	f.stack.register(fl)
	return cmd
}

func runInspect(ctx context.Context, f inspectFlags, std IO, deps opsDeps) error {
	errs := f.stack.check()
	if f.peek < 0 {
		errs = append(errs, fmt.Errorf("--peek %d: want 0 or more", f.peek))
	}
	if f.maxMessages <= 0 {
		errs = append(errs, fmt.Errorf("--max-messages %d: want 1 or more", f.maxMessages))
	}
	if f.visibility < time.Second || f.visibility > 12*time.Hour {
		errs = append(errs, fmt.Errorf("--visibility-timeout %s: want 1s to 12h", f.visibility))
	}
	if len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}
	env, err := f.stack.connect(ctx, deps)
	if err != nil {
		return err
	}
	url, err := env.value(ctx, f.queueURL, stack.OutputDeadLetterQueueURL)
	if err != nil {
		return err
	}
	rep, err := dlqops.Inspect(ctx, sqs.NewFromConfig(env.cfg), url, dlqops.InspectOptions{
		Peek: f.peek, MaxMessages: f.maxMessages, Visibility: f.visibility,
	})
	if err != nil {
		return err
	}
	if f.stack.output == "json" {
		return writeJSON(std.Out, rep)
	}
	return printInspect(std.Out, rep, time.Now())
}

// printInspect writes the report as tables.
func printInspect(w io.Writer, rep *dlqops.Report, now time.Time) error {
	d := rep.Depth
	fmt.Fprintf(w, "Dead-letter queue %s\n", rep.Queue)
	fmt.Fprintf(w, "  about %d messages (%d visible, %d in flight, %d delayed)", d.Total(), d.Visible, d.InFlight, d.Delayed)
	if rep.Complete {
		fmt.Fprintf(w, "; read %d: all there were\n", rep.Read)
	} else {
		fmt.Fprintf(w, "; read %d: a sample (raise --max-messages to read more)\n", rep.Read)
	}
	if rep.Read == 0 {
		fmt.Fprintln(w, "  The queue is empty: nothing to redrive.")
		return nil
	}
	fmt.Fprintf(w, "  %d items (spans, metric data points, log records)", rep.Items)
	if !rep.Oldest.IsZero() {
		fmt.Fprintf(w, "; oldest sent %s (%s ago)", rep.Oldest.UTC().Format(time.DateTime+" UTC"), now.Sub(rep.Oldest).Round(time.Second))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, t := range []struct {
		title string
		m     map[string]dlqops.Tally
	}{{"REASON", rep.ByReason}, {"COLLECTOR", rep.ByCollector}, {"SIGNAL", rep.BySignal}} {
		fmt.Fprintf(tw, "\n%s\tMESSAGES\tITEMS\n", t.title)
		for _, k := range sortedTallies(t.m) {
			fmt.Fprintf(tw, "%s\t%d\t%d\n", k, t.m[k].Messages, t.m[k].Items)
		}
	}
	fmt.Fprint(tw, "\nAGE IN QUEUE\tMESSAGES\t\n")
	for _, a := range rep.ByAge {
		if a.Messages > 0 {
			fmt.Fprintf(tw, "%s\t%d\t\n", a.Bucket, a.Messages)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.Expiring > 0 {
		fmt.Fprintf(w, "\nWARNING: %d messages reach the end of the queue's retention within 2 days and will be dropped: redrive them first.\n", rep.Expiring)
	}
	if rep.IncompleteChunks > 0 {
		fmt.Fprintf(w, "\nNote: %d payloads cut into chunks were only partly read (a sample, or other readers hold the rest).\n", rep.IncompleteChunks)
	}
	for _, u := range rep.Unreadable {
		fmt.Fprintf(w, "\nNot an otlpfwd dead letter: message %s: %s\n", u.ID, u.Error)
	}
	for i, p := range rep.Peek {
		printPreview(w, i+1, p, now)
	}
	fmt.Fprintln(w, "\nTo send them again once the cause is fixed: otlpfwd dlq redrive (filters: --collector NAME, --reason REASON, --max N; --dry-run first).")
	return nil
}

func printPreview(w io.Writer, n int, p dlqops.Preview, now time.Time) {
	fmt.Fprintf(w, "\n#%d %s", n, p.Reason)
	if p.Collector != "" {
		fmt.Fprintf(w, ", collector %s", p.Collector)
	}
	if p.Signal != "" {
		fmt.Fprintf(w, ", %s", p.Signal)
	}
	fmt.Fprintf(w, ", %d items", p.Items)
	if p.Decoded != p.Items && p.DecodeError == "" && p.RawExcerpt == "" {
		fmt.Fprintf(w, " (%d found in the payload)", p.Decoded)
	}
	fmt.Fprintf(w, ", %d bytes\n", p.Bytes)
	fmt.Fprintf(w, "   messages %s; sent %s ago, received %d times\n", strings.Join(p.MessageIDs, ", "), now.Sub(p.SentAt).Round(time.Second), p.Receives)
	if len(p.Services) > 0 {
		fmt.Fprintf(w, "   services %s (resources: %d)\n", strings.Join(p.Services, ", "), p.Resources)
	}
	if !p.Start.IsZero() {
		fmt.Fprintf(w, "   items from %s to %s\n", p.Start.Format(time.DateTime+".000"), p.End.Format(time.DateTime+".000 UTC"))
	}
	fail := fmt.Sprintf("   %d attempts", p.Attempts)
	if p.Status != 0 {
		fail += fmt.Sprintf(", last answer HTTP %d", p.Status)
	}
	if !p.FirstFailure.IsZero() {
		fail += fmt.Sprintf(", failing from %s to %s", p.FirstFailure.UTC().Format(time.TimeOnly), p.LastFailure.UTC().Format(time.TimeOnly+" UTC"))
	}
	fmt.Fprintln(w, fail)
	fmt.Fprintf(w, "   error: %s\n", p.Error)
	if p.BodyExcerpt != "" {
		fmt.Fprintf(w, "   collector said: %q\n", p.BodyExcerpt)
	}
	var from []string
	if p.Source.Stream != "" {
		from = append(from, "stream "+p.Source.Stream)
	}
	if p.Source.Shard != "" {
		from = append(from, "shard "+p.Source.Shard)
	}
	if p.Source.FirstSeq != "" {
		from = append(from, fmt.Sprintf("sequence numbers %s to %s", p.Source.FirstSeq, p.Source.LastSeq))
	}
	if p.LogGroup != "" {
		from = append(from, "log group "+p.LogGroup)
	}
	if len(from) > 0 {
		fmt.Fprintf(w, "   from %s\n", strings.Join(from, ", "))
	}
	if p.RawExcerpt != "" {
		fmt.Fprintf(w, "   raw bytes start: %q\n", p.RawExcerpt)
	}
	if p.DecodeError != "" {
		fmt.Fprintf(w, "   cannot decode: %s\n", p.DecodeError)
	}
}

// sortedTallies orders keys by messages, then name.
func sortedTallies(m map[string]dlqops.Tally) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]].Messages != m[keys[j]].Messages {
			return m[keys[i]].Messages > m[keys[j]].Messages
		}
		return keys[i] < keys[j]
	})
	return keys
}
