package subscribe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// PolicyDocument is the document of a SUBSCRIPTION_FILTER_POLICY account
// policy.
type PolicyDocument struct {
	DestinationArn string `json:"DestinationArn"`
	RoleArn        string `json:"RoleArn,omitempty"`
	FilterPattern  string `json:"FilterPattern"`
	Distribution   string `json:"Distribution,omitempty"`
}

// AccountPolicy is an account-level subscription filter policy.
type AccountPolicy struct {
	Name              string         `json:"policy_name"`
	Document          PolicyDocument `json:"document"`
	SelectionCriteria string         `json:"selection_criteria,omitempty"`
}

// AccountChange is the plan for the account policy, and after
// ApplyAccount its outcome.
type AccountChange struct {
	Action Action `json:"action"`
	// Policy is the policy created, updated, or deleted.
	Policy AccountPolicy `json:"policy"`
	// Existing is the account's subscription filter policy, if any.
	Existing *AccountPolicy `json:"existing,omitempty"`
	Reason   string         `json:"reason,omitempty"`
	Done     bool           `json:"done"`
	Err      string         `json:"error,omitempty"`
}

// Failed reports a change that asks the operator to act.
func (c *AccountChange) Failed() bool {
	return c.Action == Refuse || c.Action == Conflict || c.Err != ""
}

// Selection is the selection criteria that leaves out the log groups
// given: LogGroupName NOT IN ["a", "b"].
func Selection(exclude []string) string {
	q := make([]string, len(exclude))
	for i, g := range exclude {
		b, _ := json.Marshal(g) // a string always marshals
		q[i] = string(b)
	}
	return "LogGroupName NOT IN [" + strings.Join(q, ", ") + "]"
}

// Covers reports whether the policy sends the log group's events: every
// log group but those its selection criteria (LogGroupName NOT IN [...],
// the only form subscription filter policies take) leave out. known is
// false when the criteria cannot be read.
func (p AccountPolicy) Covers(group string) (covered, known bool) {
	c := strings.TrimSpace(p.SelectionCriteria)
	if c == "" {
		return true, true
	}
	const prefix = "LogGroupName NOT IN"
	if !strings.HasPrefix(c, prefix) {
		return false, false
	}
	var excluded []string
	if err := json.Unmarshal([]byte(strings.TrimSpace(c[len(prefix):])), &excluded); err != nil {
		return false, false
	}
	for _, e := range excluded {
		if e == group {
			return false, true
		}
	}
	return true, true
}

// AccountPolicies returns the account's subscription filter policies (at
// most one per Region).
func AccountPolicies(ctx context.Context, api AccountPolicyAPI) ([]AccountPolicy, error) {
	var out []AccountPolicy
	var token *string
	for {
		res, err := api.DescribeAccountPolicies(ctx, &cloudwatchlogs.DescribeAccountPoliciesInput{PolicyType: types.PolicyTypeSubscriptionFilterPolicy, NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("read the account's subscription filter policies: %w", err)
		}
		for _, p := range res.AccountPolicies {
			ap := AccountPolicy{Name: aws.ToString(p.PolicyName), SelectionCriteria: aws.ToString(p.SelectionCriteria)}
			if err := json.Unmarshal([]byte(aws.ToString(p.PolicyDocument)), &ap.Document); err != nil {
				return nil, fmt.Errorf("account policy %s: its document is not JSON: %w", ap.Name, err)
			}
			out = append(out, ap)
		}
		if token = res.NextToken; token == nil || *token == "" {
			return out, nil
		}
	}
}

// PlanAccount decides what it takes for the account policy called name to
// send every log group but t.OwnLogGroups to t's stream. Its distribution
// defaults to Random (as in template.yaml), not ByLogStream.
func PlanAccount(ctx context.Context, api AccountPolicyAPI, name string, t Target) (AccountChange, error) {
	if t.Distribution == "" {
		t.Distribution = types.DistributionRandom
	}
	t = t.withDefaults()
	if err := t.Check(); err != nil {
		return AccountChange{}, err
	}
	if name == "" {
		return AccountChange{}, errors.New("no account policy name")
	}
	want := AccountPolicy{Name: name, SelectionCriteria: Selection(t.OwnLogGroups), Document: PolicyDocument{
		DestinationArn: t.DestinationArn, RoleArn: t.RoleArn, FilterPattern: t.FilterPattern, Distribution: string(t.Distribution),
	}}
	c := AccountChange{Policy: want}
	if len(t.OwnLogGroups) == 0 {
		c.Action, c.Reason = Refuse, "the pipeline's own log groups are unknown, so the policy could not exclude them and would loop"
		return c, nil
	}
	existing, err := AccountPolicies(ctx, api)
	if err != nil {
		return c, err
	}
	for i := range existing {
		e := &existing[i]
		c.Existing = e
		switch {
		case e.Name == name && *e == want:
			c.Action, c.Reason = Unchanged, "the account policy is in place"
		case e.Name == name:
			c.Action, c.Reason = Update, strings.Join(policyDiff(*e, want), "; ")
		case e.Document.DestinationArn == t.DestinationArn:
			c.Action, c.Reason = Unchanged, fmt.Sprintf("account policy %s already sends to the raw stream", e.Name)
		default:
			c.Action = Conflict
			c.Reason = fmt.Sprintf("the account already has subscription filter policy %s (to %s), and CloudWatch Logs allows one per Region: delete it first (aws logs delete-account-policy --policy-type SUBSCRIPTION_FILTER_POLICY --policy-name %s)",
				e.Name, e.Document.DestinationArn, e.Name)
		}
		return c, nil
	}
	c.Action = Create
	return c, nil
}

func policyDiff(have, want AccountPolicy) []string {
	var d []string
	if have.Document.DestinationArn != want.Document.DestinationArn {
		d = append(d, fmt.Sprintf("destination %s -> %s", have.Document.DestinationArn, want.Document.DestinationArn))
	}
	if have.Document.RoleArn != want.Document.RoleArn {
		d = append(d, fmt.Sprintf("role %s -> %s", have.Document.RoleArn, want.Document.RoleArn))
	}
	if have.Document.FilterPattern != want.Document.FilterPattern {
		d = append(d, fmt.Sprintf("filter pattern %q -> %q", have.Document.FilterPattern, want.Document.FilterPattern))
	}
	if have.Document.Distribution != want.Document.Distribution {
		d = append(d, fmt.Sprintf("distribution %s -> %s", have.Document.Distribution, want.Document.Distribution))
	}
	if have.SelectionCriteria != want.SelectionCriteria {
		d = append(d, fmt.Sprintf("selection %s -> %s", have.SelectionCriteria, want.SelectionCriteria))
	}
	return d
}

// PlanAccountDelete plans the removal of the account policy that sends to
// destinationArn.
func PlanAccountDelete(ctx context.Context, api AccountPolicyAPI, destinationArn string) (AccountChange, error) {
	existing, err := AccountPolicies(ctx, api)
	if err != nil {
		return AccountChange{}, err
	}
	for _, e := range existing {
		if e.Document.DestinationArn == destinationArn {
			e := e
			return AccountChange{Action: Delete, Policy: e, Existing: &e}, nil
		}
	}
	c := AccountChange{Action: Unchanged, Reason: "no account policy sends to the raw stream"}
	if len(existing) > 0 {
		c.Existing = &existing[0]
		c.Reason += fmt.Sprintf(" (policy %s sends to %s)", existing[0].Name, existing[0].Document.DestinationArn)
	}
	return c, nil
}

// ApplyAccount makes the change, recording the outcome in c.
func ApplyAccount(ctx context.Context, api AccountPolicyAPI, c *AccountChange) error {
	var err error
	switch c.Action {
	case Create, Update:
		doc, merr := json.Marshal(c.Policy.Document)
		if merr != nil {
			return merr
		}
		_, err = api.PutAccountPolicy(ctx, &cloudwatchlogs.PutAccountPolicyInput{
			PolicyName: aws.String(c.Policy.Name), PolicyType: types.PolicyTypeSubscriptionFilterPolicy,
			PolicyDocument: aws.String(string(doc)), Scope: types.ScopeAll,
			SelectionCriteria: aws.String(c.Policy.SelectionCriteria),
		})
	case Delete:
		_, err = api.DeleteAccountPolicy(ctx, &cloudwatchlogs.DeleteAccountPolicyInput{
			PolicyName: aws.String(c.Policy.Name), PolicyType: types.PolicyTypeSubscriptionFilterPolicy,
		})
	default:
		return nil
	}
	if err != nil {
		c.Err = fmt.Sprintf("%s account policy %s: %v", c.Action, c.Policy.Name, err)
		return nil
	}
	c.Done = true
	return nil
}
