package subscribe

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// fakePolicies models the account policy API: at most one subscription
// filter policy per Region (moto does not implement the API).
type fakePolicies struct {
	policies []types.AccountPolicy
	puts     []*cloudwatchlogs.PutAccountPolicyInput
	deletes  []string
}

var _ AccountPolicyAPI = (*fakePolicies)(nil)

func (f *fakePolicies) DescribeAccountPolicies(_ context.Context, in *cloudwatchlogs.DescribeAccountPoliciesInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeAccountPoliciesOutput, error) {
	out := &cloudwatchlogs.DescribeAccountPoliciesOutput{}
	for _, p := range f.policies {
		if p.PolicyType == in.PolicyType {
			out.AccountPolicies = append(out.AccountPolicies, p)
		}
	}
	return out, nil
}

func (f *fakePolicies) PutAccountPolicy(_ context.Context, in *cloudwatchlogs.PutAccountPolicyInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutAccountPolicyOutput, error) {
	f.puts = append(f.puts, in)
	for i, p := range f.policies {
		if aws.ToString(p.PolicyName) == aws.ToString(in.PolicyName) {
			f.policies[i].PolicyDocument, f.policies[i].SelectionCriteria = in.PolicyDocument, in.SelectionCriteria
			return &cloudwatchlogs.PutAccountPolicyOutput{}, nil
		}
		if p.PolicyType == in.PolicyType {
			return nil, &types.LimitExceededException{Message: aws.String("one subscription filter policy per account")}
		}
	}
	f.policies = append(f.policies, types.AccountPolicy{PolicyName: in.PolicyName, PolicyType: in.PolicyType, PolicyDocument: in.PolicyDocument, SelectionCriteria: in.SelectionCriteria, Scope: in.Scope})
	return &cloudwatchlogs.PutAccountPolicyOutput{}, nil
}

func (f *fakePolicies) DeleteAccountPolicy(_ context.Context, in *cloudwatchlogs.DeleteAccountPolicyInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DeleteAccountPolicyOutput, error) {
	f.deletes = append(f.deletes, aws.ToString(in.PolicyName))
	for i, p := range f.policies {
		if aws.ToString(p.PolicyName) == aws.ToString(in.PolicyName) {
			f.policies = append(f.policies[:i], f.policies[i+1:]...)
			return &cloudwatchlogs.DeleteAccountPolicyOutput{}, nil
		}
	}
	return nil, &types.ResourceNotFoundException{}
}

var accountTarget = Target{
	DestinationArn: "arn:aws:kinesis:us-east-1:123456789012:stream/pipe-raw", RoleArn: role, FilterName: "pipe",
	OwnLogGroups: []string{"/aws/lambda/pipe-ingest", "/aws/lambda/pipe-export"},
}

func TestAccountPolicy(t *testing.T) {
	ctx := context.Background()
	f := &fakePolicies{}

	c, err := PlanAccount(ctx, f, "pipe-subscription", accountTarget)
	if err != nil || c.Action != Create {
		t.Fatalf("plan: %+v %v", c, err)
	}
	if err := ApplyAccount(ctx, f, &c); err != nil || !c.Done {
		t.Fatalf("apply: %+v %v", c, err)
	}
	put := f.puts[0]
	if got := aws.ToString(put.SelectionCriteria); got != `LogGroupName NOT IN ["/aws/lambda/pipe-ingest", "/aws/lambda/pipe-export"]` {
		t.Errorf("selection criteria %s", got)
	}
	var doc PolicyDocument
	if err := json.Unmarshal([]byte(aws.ToString(put.PolicyDocument)), &doc); err != nil {
		t.Fatal(err)
	}
	if doc != (PolicyDocument{DestinationArn: accountTarget.DestinationArn, RoleArn: role, FilterPattern: DefaultFilterPattern, Distribution: "Random"}) {
		t.Errorf("document %+v", doc)
	}
	if put.PolicyType != types.PolicyTypeSubscriptionFilterPolicy || put.Scope != types.ScopeAll {
		t.Errorf("type %s scope %s", put.PolicyType, put.Scope)
	}

	// Idempotent.
	c, err = PlanAccount(ctx, f, "pipe-subscription", accountTarget)
	if err != nil || c.Action != Unchanged {
		t.Fatalf("second plan: %+v %v", c, err)
	}
	// A new pattern updates it.
	t2 := accountTarget
	t2.FilterPattern = "ERROR"
	c, err = PlanAccount(ctx, f, "pipe-subscription", t2)
	if err != nil || c.Action != Update || !strings.Contains(c.Reason, `filter pattern "{ $.__otel_otlp_stdout = * }" -> "ERROR"`) {
		t.Fatalf("update plan: %+v %v", c, err)
	}
	// Another pipeline's policy is a conflict (one per Region).
	other := accountTarget
	other.DestinationArn = "arn:aws:kinesis:us-east-1:123456789012:stream/other-raw"
	c, err = PlanAccount(ctx, f, "other-subscription", other)
	if err != nil || c.Action != Conflict || !c.Failed() || !strings.Contains(c.Reason, "pipe-subscription") || !strings.Contains(c.Reason, "one per Region") {
		t.Fatalf("conflict plan: %+v %v", c, err)
	}
	// Without the own log groups, refused: the policy would loop.
	noOwn := accountTarget
	noOwn.OwnLogGroups = nil
	c, err = PlanAccount(ctx, f, "pipe-subscription", noOwn)
	if err != nil || c.Action != Refuse {
		t.Fatalf("no own groups: %+v %v", c, err)
	}

	// Delete finds the policy by destination.
	c, err = PlanAccountDelete(ctx, f, accountTarget.DestinationArn)
	if err != nil || c.Action != Delete || c.Policy.Name != "pipe-subscription" {
		t.Fatalf("delete plan: %+v %v", c, err)
	}
	if err := ApplyAccount(ctx, f, &c); err != nil || !c.Done || len(f.policies) != 0 {
		t.Fatalf("delete: %+v %v %v", c, err, f.policies)
	}
	c, err = PlanAccountDelete(ctx, f, accountTarget.DestinationArn)
	if err != nil || c.Action != Unchanged {
		t.Fatalf("delete again: %+v %v", c, err)
	}
	// An API error is recorded, not returned.
	f.policies = []types.AccountPolicy{{PolicyName: aws.String("x"), PolicyType: types.PolicyTypeSubscriptionFilterPolicy, PolicyDocument: aws.String(`{"DestinationArn":"arn:aws:kinesis:us-east-1:1:stream/y"}`)}}
	c = AccountChange{Action: Create, Policy: AccountPolicy{Name: "pipe-subscription"}}
	if err := ApplyAccount(ctx, f, &c); err != nil || c.Done || !strings.Contains(c.Err, "one subscription filter policy per account") {
		t.Fatalf("failed put: %+v %v", c, err)
	}
}

func TestTargetCheck(t *testing.T) {
	err := Target{DestinationArn: "raw", RoleArn: "r", FilterName: "a:b", FilterPattern: strings.Repeat("x", 1025), Distribution: "Even"}.Check()
	for _, w := range []string{"not a Kinesis stream ARN", "not an IAM role ARN", "without ':'", "1024", `distribution "Even"`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
	if err := accountTarget.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"/aws/lambda/*", "/aws/lambda/a/b", true},
		{"/aws/lambda/prod-*", "/aws/lambda/dev-x", false},
		{"*-canary", "/aws/lambda/x-canary", true},
		{"/a/?", "/a/é", true},
		{"/a/?", "/a/bc", false},
		{"exact", "exact", true},
		{"*", "", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
	} {
		if got := Match(c.p, c.s); got != c.want {
			t.Errorf("Match(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		criteria, group string
		covered, known  bool
	}{
		{"", "/a", true, true},
		{`LogGroupName NOT IN ["/a", "/b"]`, "/a", false, true},
		{`LogGroupName NOT IN ["/a", "/b"]`, "/c", true, true},
		{`LogGroupName NOT IN ["/a"`, "/c", false, false},
		{`LogGroupName IN ["/a"]`, "/a", false, false},
	} {
		cov, known := AccountPolicy{SelectionCriteria: c.criteria}.Covers(c.group)
		if cov != c.covered || known != c.known {
			t.Errorf("%q covers %s: %v %v", c.criteria, c.group, cov, known)
		}
	}
}
