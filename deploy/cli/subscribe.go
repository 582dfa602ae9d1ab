package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/spf13/cobra"

	"github.com/otlpfwd/otlpfwd/deploy/stack"
	"github.com/otlpfwd/otlpfwd/deploy/subscribe"
)

// subscribeFlags are the flags of subscribe and unsubscribe.
type subscribeFlags struct {
	stack                   stackFlags
	confirm                 confirmable
	prefixes                []string
	all                     bool
	filterPattern           string
	filterName              string
	distribution            string
	roleArn, destinationArn string
	ownLogGroups            []string
	accountPolicy           bool
	policyName              string
	callsPerSecond          float64
}

const selectHelp = `Log groups are selected by exact name (LOG_GROUP), by pattern (an argument
with * or ?: '*' matches any run of characters, '/' included; quote it so
that the shell leaves it alone) and by --prefix (asked of CloudWatch Logs,
so it is the fastest way through accounts with many log groups).`

func newSubscribeCmd(std IO, deps opsDeps) *cobra.Command {
	var f subscribeFlags
	cmd := &cobra.Command{
		Use:   "subscribe [LOG_GROUP | PATTERN]... [--prefix PREFIX]...",
		Short: "Feed log groups into the pipeline with CloudWatch Logs subscription filters",
		Long: `subscribe adds a subscription filter to each log group selected, so that the
log lines that carry OpenTelemetry data (the otlp-stdout envelope written by
the otlp-stdout exporters) flow into the pipeline's raw Kinesis stream.

` + selectHelp + `

It is safe to run again: log groups already subscribed are left alone, and
a filter whose pattern, role or distribution changed is updated in place.
It never subscribes the pipeline's own log groups (the ingest and export
functions'): their lines would flow through the pipeline and write more
lines, for ever. CloudWatch Logs allows two subscription filters per log
group; a log group that has two already is reported with their names, and
left alone.

With --account-policy it instead puts the account-level subscription filter
policy (one per account and Region, added to the log groups' own filters)
that sends every log group of the account except the pipeline's own. To let
CloudFormation manage that policy instead, deploy with
--parameter-overrides EnableAccountSubscription=true.

subscribe shows what it will change and asks before changing it; without a
terminal it needs --yes (or --dry-run).

` + stackFlagsHelp + `

Exit status: 0 when every log group selected is subscribed (or skipped
because it must not be), 1 when one could not be (a conflict, a refusal, a
name that does not exist, an API error) or the change was declined, 2 for
wrong flags.`,
		Example: `  # every function whose name starts with prod-
  otlpfwd subscribe '/aws/lambda/prod-*'

  # two log groups by name, and everything under a prefix, without asking
  otlpfwd subscribe /aws/lambda/checkout /aws/lambda/billing --prefix /ecs/shop/ --yes

  # see what would change
  otlpfwd subscribe --prefix /aws/lambda/ --dry-run

  # every log group of the account but the pipeline's own
  otlpfwd subscribe --account-policy`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSubscribe(cmd.Context(), f, args, std, deps)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.prefixes, "prefix", nil, "select every log group whose name starts with PREFIX (repeatable)")
	fl.StringVar(&f.filterPattern, "filter-pattern", "", "CloudWatch Logs filter pattern of the lines to send (default: the stack's SubscriptionFilterPattern output, else "+subscribe.DefaultFilterPattern+")")
	fl.StringVar(&f.filterName, "filter-name", "", "name of the subscription filter (default: the stack name)")
	fl.StringVar(&f.distribution, "distribution", "", "how events spread over the raw stream's shards: ByLogStream (default for log groups) or Random (default for --account-policy)")
	fl.StringVar(&f.roleArn, "role-arn", "", "role CloudWatch Logs assumes to write to the stream (default: the stack's SubscriptionRoleArn output)")
	fl.StringVar(&f.destinationArn, "destination-arn", "", "the raw Kinesis stream's ARN (default: the stack's RawStreamArn output)")
	fl.StringSliceVar(&f.ownLogGroups, "own-log-groups", nil, "more log groups never to subscribe, added to the pipeline's own (the stack's OwnLogGroups output and /aws/lambda/STACK-ingest, -export)")
	fl.BoolVar(&f.accountPolicy, "account-policy", false, "put the account-level subscription filter policy instead of per-log-group filters")
	fl.StringVar(&f.policyName, "policy-name", "", "name of the account policy (default: STACK-subscription)")
	fl.Float64Var(&f.callsPerSecond, "api-calls-per-second", subscribe.DefaultCallsPerSecond, "rate of per-log-group CloudWatch Logs calls (the account quota is 5/s)")
	f.confirm.register(fl, "change")
	f.stack.register(fl)
	return cmd
}

func newUnsubscribeCmd(std IO, deps opsDeps) *cobra.Command {
	var f subscribeFlags
	cmd := &cobra.Command{
		Use:   "unsubscribe [LOG_GROUP | PATTERN]... [--prefix PREFIX]... | --all | --account-policy",
		Short: "Stop feeding log groups into the pipeline (remove their subscription filters)",
		Long: `unsubscribe removes, from each log group selected, every subscription filter
that sends to the pipeline's raw stream (whatever its name); other filters
are left alone. --all selects every log group of the account and Region.
With --account-policy it removes the account-level subscription filter
policy that sends to the raw stream.

` + selectHelp + `

It shows what it will remove and asks first; without a terminal it needs
--yes (or --dry-run).

` + stackFlagsHelp + `

Exit status: 0 done (or nothing to do), 1 a removal failed, a name does not
exist or the change was declined, 2 wrong flags.`,
		Example: `  otlpfwd unsubscribe /aws/lambda/checkout
  otlpfwd unsubscribe '/aws/lambda/test-*' --yes
  otlpfwd unsubscribe --all --dry-run
  otlpfwd unsubscribe --account-policy`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUnsubscribe(cmd.Context(), f, args, std, deps)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.prefixes, "prefix", nil, "select every log group whose name starts with PREFIX (repeatable)")
	fl.BoolVar(&f.all, "all", false, "select every log group of the account and Region")
	fl.StringVar(&f.destinationArn, "destination-arn", "", "the raw Kinesis stream's ARN (default: the stack's RawStreamArn output)")
	fl.BoolVar(&f.accountPolicy, "account-policy", false, "remove the account-level subscription filter policy instead")
	fl.Float64Var(&f.callsPerSecond, "api-calls-per-second", subscribe.DefaultCallsPerSecond, "rate of per-log-group CloudWatch Logs calls (the account quota is 5/s)")
	f.confirm.register(fl, "be removed")
	f.stack.register(fl)
	return cmd
}

func newSubscriptionsCmd(std IO, deps opsDeps) *cobra.Command {
	var f subscribeFlags
	cmd := &cobra.Command{
		Use:   "subscriptions [LOG_GROUP | PATTERN]... [--prefix PREFIX]...",
		Short: "List the log groups that feed the pipeline",
		Long: `subscriptions lists the log groups whose subscription filters send to the
pipeline's raw stream, and the account-level subscription filter policy if
one sends there. Without arguments it reads every log group of the account
and Region, one call each (5 per second): narrow it with patterns or
--prefix in accounts with many log groups.

` + stackFlagsHelp + `

Exit status: 0 listed, 1 could not read, 2 wrong flags.`,
		Example: `  otlpfwd subscriptions
  otlpfwd subscriptions --prefix /aws/lambda/ -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSubscriptions(cmd.Context(), f, args, std, deps)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.prefixes, "prefix", nil, "only log groups whose name starts with PREFIX (repeatable)")
	fl.StringVar(&f.destinationArn, "destination-arn", "", "the raw Kinesis stream's ARN (default: the stack's RawStreamArn output)")
	fl.StringSliceVar(&f.ownLogGroups, "own-log-groups", nil, "more log groups to flag as the pipeline's own, added to the stack's OwnLogGroups output and /aws/lambda/STACK-ingest, -export")
	fl.Float64Var(&f.callsPerSecond, "api-calls-per-second", subscribe.DefaultCallsPerSecond, "rate of per-log-group CloudWatch Logs calls (the account quota is 5/s)")
	f.stack.register(fl)
	return cmd
}

// subscribeResult is what subscribe and unsubscribe print with -o json.
type subscribeResult struct {
	DryRun        bool                     `json:"dry_run"`
	Target        *subscribeTarget         `json:"target,omitempty"`
	Changes       []subscribe.Change       `json:"changes"`
	Counts        map[string]int           `json:"counts"`
	NotFound      string                   `json:"not_found,omitempty"`
	AccountPolicy *subscribe.AccountChange `json:"account_policy,omitempty"`
}

type subscribeTarget struct {
	DestinationArn string   `json:"destination_arn"`
	RoleArn        string   `json:"role_arn,omitempty"`
	FilterName     string   `json:"filter_name,omitempty"`
	FilterPattern  string   `json:"filter_pattern,omitempty"`
	Distribution   string   `json:"distribution,omitempty"`
	OwnLogGroups   []string `json:"own_log_groups,omitempty"`
}

// checkSelection validates how log groups are selected.
func (f *subscribeFlags) checkSelection(args []string, verb string, allowed bool) (subscribe.Selector, []error) {
	var errs []error
	sel := subscribe.ParseArgs(args, f.prefixes)
	sel.All = f.all
	switch {
	case f.accountPolicy && (!sel.Empty() || f.all):
		errs = append(errs, errors.New("--account-policy covers every log group of the account: do not name log groups, --prefix or --all with it"))
	case !f.accountPolicy && sel.Empty() && !allowed:
		errs = append(errs, fmt.Errorf("no log groups to %s: name them (exact names, or patterns such as '/aws/lambda/prod-*'), use --prefix PREFIX, or --account-policy", verb))
	case f.all && len(args)+len(f.prefixes) > 0:
		errs = append(errs, errors.New("--all selects every log group: do not name log groups or --prefix with it"))
	}
	for _, p := range f.prefixes {
		if p == "" {
			errs = append(errs, errors.New("--prefix is empty: use --all to select every log group"))
		}
	}
	if f.callsPerSecond <= 0 {
		errs = append(errs, fmt.Errorf("--api-calls-per-second %g: want a positive rate", f.callsPerSecond))
	}
	return sel, errs
}

func runSubscribe(ctx context.Context, f subscribeFlags, args []string, std IO, deps opsDeps) error {
	sel, errs := f.checkSelection(args, "subscribe", false)
	errs = append(errs, f.stack.check()...)
	switch types.Distribution(f.distribution) {
	case "", types.DistributionByLogStream, types.DistributionRandom:
	default:
		errs = append(errs, fmt.Errorf("--distribution %q: want ByLogStream or Random", f.distribution))
	}
	if err := f.confirm.check(std, deps, "subscribe log groups"); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}
	env, err := f.stack.connect(ctx, deps)
	if err != nil {
		return err
	}
	t := subscribe.Target{FilterName: f.filterName, FilterPattern: f.filterPattern, Distribution: types.Distribution(f.distribution)}
	if t.DestinationArn, err = env.value(ctx, f.destinationArn, stack.OutputRawStreamArn); err != nil {
		return err
	}
	if t.RoleArn, err = env.value(ctx, f.roleArn, stack.OutputSubscriptionRoleArn); err != nil {
		return err
	}
	if t.OwnLogGroups, err = env.ownLogGroups(ctx, f.ownLogGroups); err != nil {
		return err
	}
	if t.FilterName == "" {
		t.FilterName = f.stack.stackName
	}
	if t.FilterPattern == "" {
		t.FilterPattern = env.optional(ctx, stack.OutputSubscriptionFilterPattern)
	}
	logs := cloudwatchlogs.NewFromConfig(env.cfg)
	if f.accountPolicy {
		return runAccountPolicy(ctx, f, env, logs, t, false, std)
	}
	if err := t.Check(); err != nil {
		return usageError{err}
	}
	// Log groups the account policy already sends need no filter.
	if policies, err := subscribe.AccountPolicies(ctx, logs); err != nil {
		fmt.Fprintf(std.Err, "Warning: %v; if an account policy sends to the raw stream too, the log groups it covers will deliver every event twice.\n", err)
	} else {
		for i := range policies {
			if policies[i].Document.DestinationArn == t.DestinationArn {
				t.AccountPolicy = &policies[i]
			}
		}
	}
	groups, notFound := subscribe.Select(ctx, logs, sel)
	if notFound != nil && !errors.Is(notFound, subscribe.ErrNotFound) {
		return notFound
	}
	m := subscribe.NewManager(logs, subscribe.Options{CallsPerSecond: f.callsPerSecond})
	plan, err := m.PlanSubscribe(ctx, groups, t)
	if err != nil {
		return err
	}
	res := subscribeResult{DryRun: f.confirm.dryRun, Changes: plan, Target: &subscribeTarget{
		DestinationArn: t.DestinationArn, RoleArn: t.RoleArn, FilterName: t.FilterName,
		FilterPattern: orDefault(t.FilterPattern, subscribe.DefaultFilterPattern), Distribution: orDefault(string(t.Distribution), string(types.DistributionByLogStream)), OwnLogGroups: t.OwnLogGroups,
	}}
	show := func(w io.Writer) {
		fmt.Fprintf(w, "Subscription filter %q -> %s\n  pattern %s, distribution %s, role %s\n",
			res.Target.FilterName, res.Target.DestinationArn, res.Target.FilterPattern, res.Target.Distribution, res.Target.RoleArn)
		printChanges(w, plan)
	}
	return finishChanges(ctx, f, std, &res, notFound, "subscribe", show, func() error { return m.Apply(ctx, plan, t) })
}

func runUnsubscribe(ctx context.Context, f subscribeFlags, args []string, std IO, deps opsDeps) error {
	sel, errs := f.checkSelection(args, "unsubscribe", false)
	errs = append(errs, f.stack.check()...)
	if err := f.confirm.check(std, deps, "unsubscribe log groups"); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}
	env, err := f.stack.connect(ctx, deps)
	if err != nil {
		return err
	}
	dest, err := env.value(ctx, f.destinationArn, stack.OutputRawStreamArn)
	if err != nil {
		return err
	}
	logs := cloudwatchlogs.NewFromConfig(env.cfg)
	if f.accountPolicy {
		return runAccountPolicy(ctx, f, env, logs, subscribe.Target{DestinationArn: dest}, true, std)
	}
	groups, notFound := subscribe.Select(ctx, logs, sel)
	if notFound != nil && !errors.Is(notFound, subscribe.ErrNotFound) {
		return notFound
	}
	m := subscribe.NewManager(logs, subscribe.Options{CallsPerSecond: f.callsPerSecond})
	plan, err := m.PlanUnsubscribe(ctx, groups, dest)
	if err != nil {
		return err
	}
	res := subscribeResult{DryRun: f.confirm.dryRun, Changes: plan, Target: &subscribeTarget{DestinationArn: dest}}
	show := func(w io.Writer) {
		fmt.Fprintf(w, "Subscription filters that send to %s\n", dest)
		printChanges(w, plan)
	}
	return finishChanges(ctx, f, std, &res, notFound, "unsubscribe", show, func() error { return m.Apply(ctx, plan, subscribe.Target{}) })
}

// finishChanges shows, asks, applies and reports a plan. show writes the
// plan: to stdout as the table result, and to stderr before a prompt
// whatever the output format (with -o json, stdout holds only the result).
func finishChanges(ctx context.Context, f subscribeFlags, std IO, res *subscribeResult, notFound error, verb string, show func(io.Writer), apply func() error) error {
	if notFound != nil {
		res.NotFound = notFound.Error()
	}
	mutates := 0
	for i := range res.Changes {
		if res.Changes[i].Mutates() {
			mutates++
		}
	}
	table := f.stack.output == "table"
	if table {
		show(std.Out)
	}
	switch {
	case f.confirm.dryRun:
		if table {
			fmt.Fprintf(std.Out, "Dry run: nothing changed (changes planned: %d).\n", mutates)
		}
	case mutates == 0:
		if table {
			fmt.Fprintln(std.Out, "Nothing to change.")
		}
	default:
		q := fmt.Sprintf("Make these %d changes?", mutates)
		if mutates == 1 {
			q = "Make this change?"
		}
		if !table && !f.confirm.yes {
			show(std.Err)
		}
		if err := f.confirm.ask(ctx, std, q); err != nil {
			return err
		}
		if err := apply(); err != nil {
			return err
		}
	}
	res.Counts = subscribe.Count(res.Changes)
	failed := 0
	for i := range res.Changes {
		if res.Changes[i].Failed() {
			failed++
		}
	}
	if table {
		if !f.confirm.dryRun && mutates > 0 {
			printOutcomes(std.Out, res.Changes)
		}
		if notFound != nil {
			fmt.Fprintf(std.Out, "Not found: %v\n", notFound)
		}
	} else if err := writeJSON(std.Out, res); err != nil {
		return err
	}
	var problems []string
	if failed > 0 {
		problems = append(problems, fmt.Sprintf("log groups that could not %s: %d (see above)", verb, failed))
	}
	if notFound != nil {
		problems = append(problems, "some log groups do not exist")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// printChanges writes a plan as a table.
func printChanges(w io.Writer, cs []subscribe.Change) {
	if len(cs) == 0 {
		fmt.Fprintln(w, "  no log groups selected")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ACTION\tLOG GROUP\tFILTER\tDETAIL")
	for _, c := range cs {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Action, c.LogGroup, c.Filter, c.Reason)
	}
	tw.Flush()
}

// printOutcomes writes the changes made and those that failed.
func printOutcomes(w io.Writer, cs []subscribe.Change) {
	done := map[subscribe.Action]int{}
	for _, c := range cs {
		if c.Done {
			done[c.Action]++
		}
		if c.Err != "" {
			fmt.Fprintf(w, "FAILED %s %s: %s\n", c.Action, c.LogGroup, c.Err)
		}
	}
	n := subscribe.Count(cs)
	fmt.Fprintf(w, "Done: created %d, updated %d, deleted %d; unchanged %d, skipped %d, refused %d, conflicts %d, failed %d.\n",
		done[subscribe.Create], done[subscribe.Update], done[subscribe.Delete], n["unchanged"], n["skip"], n["refuse"], n["conflict"], n["failed"])
}

// runAccountPolicy puts (subscribe) or removes (unsubscribe) the
// account-level subscription filter policy.
func runAccountPolicy(ctx context.Context, f subscribeFlags, env *opsEnv, api subscribe.AccountPolicyAPI, t subscribe.Target, remove bool, std IO) error {
	if managed := env.optional(ctx, stack.OutputAccountSubscriptionPolicyName); managed != "" {
		return fmt.Errorf("stack %s manages the account policy %s (EnableAccountSubscription=true): change it with otlpfwd deploy --parameter-overrides EnableAccountSubscription=... AccountSubscriptionFilterPattern=..., not here", f.stack.stackName, managed)
	}
	var c subscribe.AccountChange
	var err error
	if remove {
		c, err = subscribe.PlanAccountDelete(ctx, api, t.DestinationArn)
	} else {
		name := f.policyName
		if name == "" {
			name = f.stack.stackName + "-subscription"
		}
		c, err = subscribe.PlanAccount(ctx, api, name, t)
	}
	if err != nil {
		return fmt.Errorf("%w (the account policy API needs logs:DescribeAccountPolicies, logs:PutAccountPolicy, logs:DeleteAccountPolicy and iam:PassRole)", err)
	}
	res := subscribeResult{DryRun: f.confirm.dryRun, AccountPolicy: &c, Changes: []subscribe.Change{}}
	table := f.stack.output == "table"
	show := func(w io.Writer) {
		fmt.Fprintf(w, "Account policy %s: %s\n", c.Policy.Name, c.Action)
		if c.Action != subscribe.Delete {
			fmt.Fprintf(w, "  destination %s\n  role %s\n  pattern %s, distribution %s\n  selection %s\n",
				c.Policy.Document.DestinationArn, c.Policy.Document.RoleArn, c.Policy.Document.FilterPattern, c.Policy.Document.Distribution, c.Policy.SelectionCriteria)
		}
		if c.Reason != "" {
			fmt.Fprintf(w, "  %s\n", c.Reason)
		}
		if c.Action == subscribe.Create {
			fmt.Fprintln(w, "  Log groups subscribed one by one would then deliver every event twice: list them with otlpfwd subscriptions, remove them with otlpfwd unsubscribe --all.")
		}
	}
	if table {
		show(std.Out)
	}
	mutates := c.Action == subscribe.Create || c.Action == subscribe.Update || c.Action == subscribe.Delete
	if mutates && !f.confirm.dryRun {
		if !table && !f.confirm.yes {
			show(std.Err)
		}
		q := fmt.Sprintf("%s the account-level policy %s? It applies to every log group of the account in %s.", c.Action, c.Policy.Name, env.cfg.Region)
		if err := f.confirm.ask(ctx, std, strings.ToUpper(q[:1])+q[1:]); err != nil {
			return err
		}
		if err := subscribe.ApplyAccount(ctx, api, &c); err != nil {
			return err
		}
	}
	if table {
		switch {
		case f.confirm.dryRun:
			fmt.Fprintln(std.Out, "Dry run: nothing changed.")
		case c.Done:
			fmt.Fprintf(std.Out, "Done: %s account policy %s.\n", c.Action, c.Policy.Name)
		}
	} else if err := writeJSON(std.Out, res); err != nil {
		return err
	}
	switch {
	case c.Err != "":
		return errors.New(c.Err)
	case c.Failed():
		return errors.New(c.Reason)
	}
	return nil
}

// subscriptionsResult is what subscriptions prints with -o json.
type subscriptionsResult struct {
	DestinationArn string                   `json:"destination_arn"`
	Subscriptions  []subscribe.Subscription `json:"subscriptions"`
	AccountPolicy  *subscribe.AccountPolicy `json:"account_policy,omitempty"`
	Note           string                   `json:"note,omitempty"`
}

func runSubscriptions(ctx context.Context, f subscribeFlags, args []string, std IO, deps opsDeps) error {
	sel, errs := f.checkSelection(args, "list", true)
	errs = append(errs, f.stack.check()...)
	if len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}
	if sel.Empty() {
		sel.All = true
	}
	env, err := f.stack.connect(ctx, deps)
	if err != nil {
		return err
	}
	dest, err := env.value(ctx, f.destinationArn, stack.OutputRawStreamArn)
	if err != nil {
		return err
	}
	own, err := env.ownLogGroups(ctx, f.ownLogGroups)
	if err != nil {
		own = nil // only used to flag loops
	}
	logs := cloudwatchlogs.NewFromConfig(env.cfg)
	groups, err := subscribe.Select(ctx, logs, sel)
	if err != nil {
		return err
	}
	subs, err := subscribe.NewManager(logs, subscribe.Options{CallsPerSecond: f.callsPerSecond}).List(ctx, groups, dest, own)
	if err != nil {
		return err
	}
	res := subscriptionsResult{DestinationArn: dest, Subscriptions: subs}
	if res.Subscriptions == nil {
		res.Subscriptions = []subscribe.Subscription{}
	}
	if policies, err := subscribe.AccountPolicies(ctx, logs); err != nil {
		res.Note = "account policy not read: " + err.Error()
	} else {
		for i := range policies {
			if policies[i].Document.DestinationArn == dest {
				res.AccountPolicy = &policies[i]
			}
		}
	}
	if f.stack.output == "json" {
		return writeJSON(std.Out, res)
	}
	fmt.Fprintf(std.Out, "Log groups that send to %s: %d of the %d read\n", dest, len(subs), len(groups))
	tw := tabwriter.NewWriter(std.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  LOG GROUP\tFILTER\tPATTERN\tDISTRIBUTION")
	for _, s := range subs {
		name := s.LogGroup
		if s.Own {
			name += " (the pipeline's own: remove it, it loops)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", name, s.Filter.Name, s.Filter.FilterPattern, s.Filter.Distribution)
	}
	tw.Flush()
	switch {
	case res.AccountPolicy != nil:
		fmt.Fprintf(std.Out, "Account policy %s also sends the log groups that match: %s\n", res.AccountPolicy.Name, orDefault(res.AccountPolicy.SelectionCriteria, "all"))
	case res.Note != "":
		fmt.Fprintf(std.Out, "Note: %s\n", res.Note)
	}
	return nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
