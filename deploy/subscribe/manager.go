package subscribe

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"golang.org/x/time/rate"
)

// DefaultCallsPerSecond is CloudWatch Logs' quota for
// DescribeSubscriptionFilters and PutSubscriptionFilter (per account and
// Region).
const DefaultCallsPerSecond = 5

// Options tunes a Manager. The zero value gives the defaults noted.
type Options struct {
	// CallsPerSecond bounds the per-log-group calls (describe, put and
	// delete subscription filters). Zero: DefaultCallsPerSecond.
	CallsPerSecond float64
}

// Manager plans and applies subscription filter changes.
type Manager struct {
	api LogsAPI
	lim *rate.Limiter
}

// NewManager returns a Manager that calls api.
func NewManager(api LogsAPI, opts Options) *Manager {
	if opts.CallsPerSecond <= 0 {
		opts.CallsPerSecond = DefaultCallsPerSecond
	}
	return &Manager{api: api, lim: rate.NewLimiter(rate.Limit(opts.CallsPerSecond), 1)}
}

// filters returns a log group's subscription filters; found is false when
// the log group no longer exists.
func (m *Manager) filters(ctx context.Context, group string) (fs []Filter, found bool, err error) {
	var token *string
	for {
		if err := m.lim.Wait(ctx); err != nil {
			return nil, false, err
		}
		out, err := m.api.DescribeSubscriptionFilters(ctx, &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String(group), NextToken: token})
		if err != nil {
			var nf *types.ResourceNotFoundException
			if errors.As(err, &nf) {
				return nil, false, nil
			}
			return nil, false, fmt.Errorf("read the subscription filters of %s: %w", group, err)
		}
		for _, f := range out.SubscriptionFilters {
			fs = append(fs, fromSDK(f))
		}
		if token = out.NextToken; token == nil || *token == "" {
			return fs, true, nil
		}
	}
}

// reasonOwn explains why the pipeline's own log groups are left alone.
const reasonOwn = "one of the pipeline's own log groups: subscribing it would loop (its lines would flow through the pipeline and write more lines)"

// skipClass explains log group classes that take no subscription filter,
// or "" for one that does.
func skipClass(class string) string {
	switch types.LogGroupClass(class) {
	case "", types.LogGroupClassStandard:
		return ""
	case types.LogGroupClassInfrequentAccess:
		return "Infrequent Access log groups do not support subscription filters"
	}
	return "log groups of class " + class + " do not support subscription filters"
}

// PlanSubscribe decides, for each log group, what subscribing it to t
// takes. It reads each group's filters and changes nothing.
func (m *Manager) PlanSubscribe(ctx context.Context, groups []LogGroup, t Target) ([]Change, error) {
	t = t.withDefaults()
	if err := t.Check(); err != nil {
		return nil, err
	}
	out := make([]Change, 0, len(groups))
	for _, g := range groups {
		c := Change{LogGroup: g.Name, Filter: t.FilterName}
		switch {
		case t.own(g.Name) && g.Named:
			c.Action, c.Reason = Refuse, reasonOwn
		case t.own(g.Name):
			c.Action, c.Reason = Skip, reasonOwn
		case skipClass(g.Class) != "":
			c.Action, c.Reason = Skip, skipClass(g.Class)
		}
		if c.Action != "" {
			out = append(out, c)
			continue
		}
		fs, found, err := m.filters(ctx, g.Name)
		if err != nil {
			return out, err
		}
		if !found {
			c.Action, c.Reason = Skip, "the log group was deleted after it was listed"
			out = append(out, c)
			continue
		}
		planOne(&c, fs, t)
		if by := t.byPolicy(g.Name); by != "" {
			switch c.Action {
			case Create, Conflict:
				c.Action, c.Reason, c.Existing = Unchanged, by, nil
			case Unchanged, Update:
				c.Reason += "; note: " + by + ": remove this filter with otlpfwd unsubscribe " + g.Name
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// planOne decides the change for one log group from its filters.
func planOne(c *Change, fs []Filter, t Target) {
	var ours *Filter
	var others []string // other filters that already deliver to the stream
	for i := range fs {
		f := &fs[i]
		switch {
		case f.Name == t.FilterName:
			ours = f
		case f.DestinationArn == t.DestinationArn:
			others = append(others, f.Name)
		}
	}
	switch {
	case ours != nil:
		diff := differences(*ours, t)
		if len(diff) == 0 {
			c.Action, c.Reason = Unchanged, "already subscribed"
			return
		}
		c.Action, c.Reason, c.Existing = Update, strings.Join(diff, "; "), fs
		if len(others) > 0 {
			c.Reason += fmt.Sprintf("; note: filter %s also delivers to the raw stream, so events arrive twice: remove it", strings.Join(others, ", "))
		}
	case len(others) > 0:
		c.Action = Unchanged
		c.Reason = fmt.Sprintf("already delivered to the raw stream by filter %s", strings.Join(others, ", "))
	case len(fs) >= 2:
		c.Action, c.Existing = Conflict, fs
		var names []string
		for _, f := range fs {
			names = append(names, fmt.Sprintf("%q (to %s)", f.Name, f.DestinationArn))
		}
		c.Reason = fmt.Sprintf("it already has %d subscription filters, %s, and CloudWatch Logs allows 2 per log group: delete one (aws logs delete-subscription-filter --log-group-name %s --filter-name NAME) or feed it with the account-level policy (otlpfwd subscribe --account-policy)",
			len(fs), strings.Join(names, " and "), c.LogGroup)
	default:
		c.Action = Create
	}
}

// differences lists how an existing filter of the pipeline's name differs
// from the target.
func differences(f Filter, t Target) []string {
	var d []string
	if f.DestinationArn != t.DestinationArn {
		d = append(d, fmt.Sprintf("destination %s -> %s", f.DestinationArn, t.DestinationArn))
	}
	if f.FilterPattern != t.FilterPattern {
		d = append(d, fmt.Sprintf("filter pattern %q -> %q", f.FilterPattern, t.FilterPattern))
	}
	if f.RoleArn != t.RoleArn {
		d = append(d, fmt.Sprintf("role %s -> %s", f.RoleArn, t.RoleArn))
	}
	dist := f.Distribution
	if dist == "" {
		dist = string(types.DistributionByLogStream)
	}
	if dist != string(t.Distribution) {
		d = append(d, fmt.Sprintf("distribution %s -> %s", dist, t.Distribution))
	}
	return d
}

// PlanUnsubscribe plans the removal of every filter that delivers to
// destinationArn (whatever its name) from each log group.
func (m *Manager) PlanUnsubscribe(ctx context.Context, groups []LogGroup, destinationArn string) ([]Change, error) {
	if destinationArn == "" {
		return nil, errors.New("no destination: the raw stream's ARN is unknown")
	}
	var out []Change
	for _, g := range groups {
		fs, found, err := m.filters(ctx, g.Name)
		if err != nil {
			return out, err
		}
		n := 0
		for _, f := range fs {
			if f.DestinationArn == destinationArn {
				out = append(out, Change{LogGroup: g.Name, Action: Delete, Filter: f.Name, Reason: fmt.Sprintf("filter pattern %q", f.FilterPattern)})
				n++
			}
		}
		if n == 0 {
			reason := "not subscribed to this pipeline"
			if !found {
				reason = "the log group was deleted after it was listed"
			}
			out = append(out, Change{LogGroup: g.Name, Action: Unchanged, Reason: reason})
		}
	}
	return out, nil
}

// Apply makes the changes that mutate, in order, and records each
// outcome in the change (Done or Err). It stops early only when ctx ends;
// the error is then ctx's.
func (m *Manager) Apply(ctx context.Context, changes []Change, t Target) error {
	t = t.withDefaults()
	for i := range changes {
		c := &changes[i]
		if !c.Mutates() || c.Done {
			continue
		}
		if err := m.lim.Wait(ctx); err != nil {
			return err
		}
		var err error
		switch c.Action {
		case Create, Update:
			_, err = m.api.PutSubscriptionFilter(ctx, &cloudwatchlogs.PutSubscriptionFilterInput{
				LogGroupName: aws.String(c.LogGroup), FilterName: aws.String(t.FilterName),
				FilterPattern: aws.String(t.FilterPattern), DestinationArn: aws.String(t.DestinationArn),
				RoleArn: aws.String(t.RoleArn), Distribution: t.Distribution,
			})
		case Delete:
			_, err = m.api.DeleteSubscriptionFilter(ctx, &cloudwatchlogs.DeleteSubscriptionFilterInput{
				LogGroupName: aws.String(c.LogGroup), FilterName: aws.String(c.Filter),
			})
			var nf *types.ResourceNotFoundException
			if errors.As(err, &nf) {
				err = nil // already gone: the outcome asked for
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			c.Err = explain(c, err, t)
			continue
		}
		c.Done = true
	}
	return nil
}

// explain turns an API error into what the operator should do.
func explain(c *Change, err error, t Target) string {
	var limit *types.LimitExceededException
	var invalid *types.InvalidParameterException
	switch {
	case errors.As(err, &limit):
		return fmt.Sprintf("%v: %s has 2 subscription filters already (one was added since it was read): list them with aws logs describe-subscription-filters --log-group-name %s", err, c.LogGroup, c.LogGroup)
	case errors.As(err, &invalid) && c.Action != Delete:
		return fmt.Sprintf("%v: check that role %s trusts logs.amazonaws.com and may kinesis:PutRecord on %s (the stack's SubscriptionRole does)", err, t.RoleArn, t.DestinationArn)
	}
	return err.Error()
}
