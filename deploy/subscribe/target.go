package subscribe

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// DefaultFilterPattern matches the otlp-stdout envelope: JSON lines that
// have the key __otel_otlp_stdout.
const DefaultFilterPattern = "{ $.__otel_otlp_stdout = * }"

// Target is where subscriptions deliver.
type Target struct {
	// DestinationArn is the raw Kinesis stream's ARN. Required.
	DestinationArn string
	// RoleArn is the role CloudWatch Logs assumes to write to the stream.
	// Required.
	RoleArn string
	// FilterName names the filters this pipeline owns (the stack name).
	// Required.
	FilterName string
	// FilterPattern selects the log events delivered. Zero:
	// DefaultFilterPattern.
	FilterPattern string
	// Distribution spreads events over the stream's shards: ByLogStream
	// (each log stream's events go to one shard, in order) or Random.
	// Zero: ByLogStream, the CloudWatch Logs default.
	Distribution types.Distribution
	// OwnLogGroups are the pipeline's own log groups, never subscribed.
	OwnLogGroups []string
	// AccountPolicy, when not nil, is the account's subscription filter
	// policy. If it sends to DestinationArn, the log groups it covers are
	// delivered already: a filter of their own would send every event
	// twice (account-level and log-group-level filters add up).
	AccountPolicy *AccountPolicy
}

// byPolicy says whether the account policy already sends the log group
// to the destination, and why, or "" if not.
func (t Target) byPolicy(group string) string {
	p := t.AccountPolicy
	if p == nil || p.Document.DestinationArn != t.DestinationArn {
		return ""
	}
	covered, known := p.Covers(group)
	switch {
	case !known:
		return ""
	case covered:
		return fmt.Sprintf("already delivered to the raw stream by account policy %s (a filter of its own would send every event twice)", p.Name)
	}
	return ""
}

// withDefaults fills the zero values.
func (t Target) withDefaults() Target {
	if t.FilterPattern == "" {
		t.FilterPattern = DefaultFilterPattern
	}
	if t.Distribution == "" {
		t.Distribution = types.DistributionByLogStream
	}
	return t
}

// Check reports every missing or invalid field.
func (t Target) Check() error {
	var errs []error
	if t.DestinationArn == "" {
		errs = append(errs, errors.New("no destination: the raw stream's ARN is unknown"))
	} else if !strings.HasPrefix(t.DestinationArn, "arn:") || !strings.Contains(t.DestinationArn, ":kinesis:") {
		errs = append(errs, fmt.Errorf("destination %q is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)", t.DestinationArn))
	}
	if t.RoleArn == "" {
		errs = append(errs, errors.New("no role: the subscription role's ARN is unknown"))
	} else if !strings.HasPrefix(t.RoleArn, "arn:") || !strings.Contains(t.RoleArn, ":role/") {
		errs = append(errs, fmt.Errorf("role %q is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)", t.RoleArn))
	}
	if t.FilterName == "" {
		errs = append(errs, errors.New("no filter name"))
	} else if len(t.FilterName) > 512 || strings.Contains(t.FilterName, ":") || strings.Contains(t.FilterName, "*") {
		errs = append(errs, fmt.Errorf("filter name %q: at most 512 characters, without ':' or '*'", t.FilterName))
	}
	if len(t.FilterPattern) > 1024 {
		errs = append(errs, fmt.Errorf("filter pattern is %d characters long; CloudWatch Logs allows 1024", len(t.FilterPattern)))
	}
	switch t.Distribution {
	case "", types.DistributionByLogStream, types.DistributionRandom:
	default:
		errs = append(errs, fmt.Errorf("distribution %q: want ByLogStream or Random", t.Distribution))
	}
	return errors.Join(errs...)
}

// own reports whether name is one of the pipeline's own log groups.
func (t Target) own(name string) bool {
	for _, o := range t.OwnLogGroups {
		if o == name {
			return true
		}
	}
	return false
}
