package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/otlpfwd/otlpfwd/deploy/local"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

func newLocalCmd(std IO) *cobra.Command { return newLocalCmdWith(std, isTerminal) }

func newLocalCmdWith(std IO, isTerminal func(io.Reader) bool) *cobra.Command {
	var (
		o       local.RunOptions
		output  string
		signals string
		dir     string
		yes     bool
	)
	cmd := &cobra.Command{
		Use:   "local",
		Short: "Run the whole pipeline on this machine and account for every item",
		Long: `local runs the whole otlpfwd pipeline on this machine with real protocols:
moto (AWS stand-in) with the raw and export Kinesis streams, the DLQ, the
collector secrets and a CloudWatch Logs subscription; both Lambdas as real
bootstrap binaries under the Lambda Runtime Interface Emulator, driven by an
event-source poller with Lambda's Kinesis semantics; the real OpenTelemetry
Collector (built once and cached); and a generator that writes tagged
telemetry with PutLogEvents as a Lambda function would, mixed with ordinary
log lines.

It prints progress every second and, at the end, what was written, delivered,
dead-lettered, pending, missing and duplicated (in items: spans, metric data
points, log records), the throughput and the end-to-end latency. Ctrl-C stops
everything it started.

With --aws it uses the AWS account of your credentials instead of moto: it
creates (or reuses) two Kinesis streams, two SQS queues, the collector
secrets and the generator's log groups with their subscription filters,
lists them and asks first (--yes to skip the question), and deletes nothing
afterwards. CloudWatch Logs needs a role to write to the raw stream: create
one that trusts logs.amazonaws.com and allows kinesis:PutRecord on
NAME-raw, and pass it with --subscription-role-arn.

Examples:
  otlpfwd local                                 30 s at 1,000 spans/s
  otlpfwd local --duration 60s --rate 5000 --output json
  otlpfwd local --collector http://localhost:4318 --keep
  otlpfwd local --aws --region eu-west-1 \
    --subscription-role-arn arn:aws:iam::111122223333:role/cwl-to-kinesis`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if output, err = localOutput(output); err != nil {
				return usageError{err}
			}
			switch {
			case o.RealAWS && o.SubscriptionRoleArn == "":
				return usageError{errors.New("--aws needs --subscription-role-arn: the role CloudWatch Logs assumes to write to the raw stream (it must trust logs.amazonaws.com and allow kinesis:PutRecord on " + orDefault(o.Name, "otlpfwd-local") + "-raw)")}
			case !o.RealAWS && o.SubscriptionRoleArn != "":
				return usageError{errors.New("--subscription-role-arn goes with --aws (moto needs no role)")}
			case o.RealAWS && !yes && !isTerminal(std.In):
				return usageError{errors.New("refusing to create resources in your AWS account without confirmation: the input is not a terminal; pass --yes")}
			}
			for _, name := range strings.Split(signals, ",") {
				sig, err := otlp.ParseSignal(name)
				if err != nil {
					return usageError{fmt.Errorf("--signals: %w", err)}
				}
				o.Load.Signals = append(o.Load.Signals, sig)
			}
			if o.RealAWS && !yes {
				fmt.Fprintf(std.Err, "otlpfwd local --aws creates (or reuses) in your AWS account, region %s, and deletes none of it afterwards:\n", orDefault(o.Region, "of your AWS configuration"))
				for _, r := range local.Resources(o) {
					fmt.Fprintf(std.Err, "  %s\n", r)
				}
				if err := (&confirmable{}).ask(cmd.Context(), std, "Create them?"); err != nil {
					return err
				}
			}
			o.Dir = dir
			if o.Dir == "" {
				d, err := os.MkdirTemp("", "otlpfwd-local-*")
				if err != nil {
					return err
				}
				o.Dir = d
			}
			o.Out = std.Err
			var report io.Writer = std.Out
			if output == "json" {
				report = std.Err
			}
			s, err := local.Run(cmd.Context(), o)
			if err != nil {
				return fmt.Errorf("%w (logs are in %s)", err, o.Dir)
			}
			fmt.Fprintf(report, "written %d, delivered %d, dead-lettered %d, pending %d, missing %d, duplicates %d\n",
				s.Written, s.Delivered, s.DeadLettered, s.Pending, s.Missing, s.Duplicates)
			if output == "json" {
				b, err := json.Marshal(s)
				if err != nil {
					return err
				}
				fmt.Fprintf(std.Out, "%s\n", b)
			}
			if dir == "" && !o.Keep && s.Missing == 0 {
				_ = os.RemoveAll(o.Dir)
			}
			if s.Missing > 0 {
				return fmt.Errorf("%d items are missing: neither delivered nor dead-lettered (logs are in %s)", s.Missing, o.Dir)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.CollectorURL, "collector", "", "send to this existing OTLP/HTTP collector (base URL) instead of starting one")
	f.DurationVar(&o.Load.Duration, "duration", 30*time.Second, "how long to generate telemetry")
	f.Float64Var(&o.Load.Rate, "rate", 1000, "items (spans, data points, log records) per second")
	f.IntVar(&o.Load.ItemsPerExport, "items-per-export", 20, "items per otlp-stdout line")
	f.IntVar(&o.Load.Services, "services", 3, "simulated functions, one log group each")
	f.StringVar(&signals, "signals", "traces", "signals to generate, comma-separated: traces,metrics,logs")
	f.IntVar(&o.Load.DamagedEvery, "damaged-every", 0, "make every Nth otlp-stdout line damaged (0: none)")
	f.BoolVar(&o.Keep, "keep", false, "leave everything running after the summary, until Ctrl-C")
	f.BoolVar(&o.RealAWS, "aws", false, "use the AWS account in the environment instead of moto (creates billable resources, after asking; deletes none)")
	f.StringVar(&o.SubscriptionRoleArn, "subscription-role-arn", "", "with --aws: the role CloudWatch Logs assumes to write to the raw stream")
	f.BoolVarP(&yes, "yes", "y", false, "with --aws: create the resources without asking")
	f.StringVar(&o.Region, "region", "", "AWS region (default us-east-1 locally, the environment's with --aws)")
	f.BoolVar(&o.InProcess, "in-process", false, "run the handlers in this process instead of as bootstraps under RIE")
	f.IntVar(&o.RawShards, "raw-shards", 2, "shards of the raw stream")
	f.IntVar(&o.ExportShards, "export-shards", 2, "shards of the export stream")
	f.StringVar(&dir, "dir", "", "work directory for logs and collector output (default: a temporary one, removed after a clean run)")
	f.StringVarP(&output, "output", "o", "table", "summary format: table or json (JSON is the last line of stdout)")
	return cmd
}

// localOutput checks --output: table or json like every other command;
// text, its former name, is still taken for table.
func localOutput(v string) (string, error) {
	switch v {
	case "table", "text":
		return "table", nil
	case "json":
		return "json", nil
	}
	return "", fmt.Errorf("--output %q: want table or json", v)
}
