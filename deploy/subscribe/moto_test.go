package subscribe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/otlpfwd/otlpfwd/deploy/local"
	"github.com/otlpfwd/otlpfwd/deploy/svc/svctest"
	"github.com/otlpfwd/otlpfwd/shared/cwlogs"
)

const role = "arn:aws:iam::123456789012:role/pipe-subscription"

// motoEnv is a moto server with a raw stream, the pipeline's own log
// groups and some applications' log groups.
type motoEnv struct {
	aws            *local.AWS
	raw, elsewhere string // stream ARNs
	own            []string
	target         Target
	calls          *countingLogs
}

func newMotoEnv(t *testing.T) *motoEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m := svctest.Moto(t)
	a, err := local.NewAWS(ctx, m.URL(), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	st, err := a.Provision(ctx, local.Spec{Name: "pipe", RawShards: 1, ExportShards: 1})
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.Provision(ctx, local.Spec{Name: "elsewhere", RawShards: 1, ExportShards: 1})
	if err != nil {
		t.Fatal(err)
	}
	e := &motoEnv{aws: a, raw: st.RawStreamARN, elsewhere: other.RawStreamARN,
		own: []string{"/aws/lambda/pipe-ingest", "/aws/lambda/pipe-export"}, calls: &countingLogs{Client: a.Logs}}
	e.target = Target{DestinationArn: e.raw, RoleArn: role, FilterName: "pipe", OwnLogGroups: e.own}
	for _, g := range append([]string{"/aws/lambda/app-a", "/aws/lambda/app-b", "/aws/lambda/full", "/ecs/web"}, e.own...) {
		e.createGroup(t, g)
	}
	// 60 more, so that listing takes two pages of 50.
	for i := range 60 {
		e.createGroup(t, fmt.Sprintf("/bulk/g-%03d", i))
	}
	// /aws/lambda/full has the two filters CloudWatch Logs allows.
	for _, name := range []string{"audit", "siem"} {
		if _, err := a.Logs.PutSubscriptionFilter(ctx, &cloudwatchlogs.PutSubscriptionFilterInput{
			LogGroupName: aws.String("/aws/lambda/full"), FilterName: aws.String(name), FilterPattern: aws.String(""),
			DestinationArn: aws.String(e.elsewhere), RoleArn: aws.String(role),
		}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *motoEnv) createGroup(t *testing.T, name string) {
	t.Helper()
	if _, err := e.aws.Logs.CreateLogGroup(context.Background(), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

func (e *motoEnv) manager() *Manager { return NewManager(e.calls, Options{CallsPerSecond: 1000}) }

// countingLogs counts the write calls that reach CloudWatch Logs.
type countingLogs struct {
	*cloudwatchlogs.Client
	mu         sync.Mutex
	puts, dels int
}

func (c *countingLogs) PutSubscriptionFilter(ctx context.Context, in *cloudwatchlogs.PutSubscriptionFilterInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutSubscriptionFilterOutput, error) {
	c.mu.Lock()
	c.puts++
	c.mu.Unlock()
	return c.Client.PutSubscriptionFilter(ctx, in, o...)
}

func (c *countingLogs) DeleteSubscriptionFilter(ctx context.Context, in *cloudwatchlogs.DeleteSubscriptionFilterInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DeleteSubscriptionFilterOutput, error) {
	c.mu.Lock()
	c.dels++
	c.mu.Unlock()
	return c.Client.DeleteSubscriptionFilter(ctx, in, o...)
}

func (c *countingLogs) writes() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.puts, c.dels
}

func byGroup(cs []Change) map[string]Change {
	out := map[string]Change{}
	for _, c := range cs {
		out[c.LogGroup] = c
	}
	return out
}

// TestSelect checks names, prefixes (paginated) and patterns against
// moto's DescribeLogGroups.
func TestSelect(t *testing.T) {
	e := newMotoEnv(t)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		sel  Selector
		want int
		has  []string
	}{
		{"name", Selector{Names: []string{"/ecs/web"}}, 1, []string{"/ecs/web"}},
		{"prefix over two pages", Selector{Prefixes: []string{"/bulk/"}}, 60, []string{"/bulk/g-000", "/bulk/g-059"}},
		{"pattern", Selector{Patterns: []string{"/bulk/g-05?"}}, 10, []string{"/bulk/g-050"}},
		{"pattern star crosses slashes", Selector{Patterns: []string{"*app-*"}}, 2, []string{"/aws/lambda/app-a", "/aws/lambda/app-b"}},
		{"overlapping", Selector{Names: []string{"/aws/lambda/app-a"}, Prefixes: []string{"/aws/lambda/app"}}, 2, nil},
		{"all", Selector{All: true}, 66, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			gs, err := Select(ctx, e.aws.Logs, c.sel)
			if err != nil {
				t.Fatal(err)
			}
			if len(gs) != c.want {
				t.Fatalf("selected %d, want %d: %v", len(gs), c.want, gs)
			}
			got := map[string]bool{}
			for _, g := range gs {
				got[g.Name] = true
			}
			for _, h := range c.has {
				if !got[h] {
					t.Errorf("%s not selected", h)
				}
			}
		})
	}
	gs, err := Select(ctx, e.aws.Logs, Selector{Names: []string{"/ecs/web", "/nope", "/ecs/we"}})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "/nope, /ecs/we") || len(gs) != 1 {
		t.Fatalf("missing names: %v %v", gs, err)
	}
}

// TestSubscribeDelivers subscribes log groups by pattern, skips the
// pipeline's own, reports the group that has two filters, and checks that
// log events written afterwards reach the raw stream. A second run
// changes nothing.
func TestSubscribeDelivers(t *testing.T) {
	e := newMotoEnv(t)
	ctx := context.Background()
	m := e.manager()
	gs, err := Select(ctx, e.aws.Logs, Selector{Patterns: []string{"/aws/lambda/*"}})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := m.PlanSubscribe(ctx, gs, e.target)
	if err != nil {
		t.Fatal(err)
	}
	got := byGroup(plan)
	for g, want := range map[string]Action{
		"/aws/lambda/app-a": Create, "/aws/lambda/app-b": Create, "/aws/lambda/full": Conflict,
		"/aws/lambda/pipe-ingest": Skip, "/aws/lambda/pipe-export": Skip,
	} {
		if got[g].Action != want {
			t.Errorf("%s: %s (%s), want %s", g, got[g].Action, got[g].Reason, want)
		}
	}
	full := got["/aws/lambda/full"]
	for _, w := range []string{`"audit"`, `"siem"`, e.elsewhere, "allows 2 per log group", "aws logs delete-subscription-filter --log-group-name /aws/lambda/full", "--account-policy"} {
		if !strings.Contains(full.Reason, w) {
			t.Errorf("conflict reason lacks %q: %s", w, full.Reason)
		}
	}
	if !full.Failed() || !strings.Contains(got["/aws/lambda/pipe-ingest"].Reason, "loop") {
		t.Errorf("full %+v, own %+v", full, got["/aws/lambda/pipe-ingest"])
	}
	if p, _ := e.calls.writes(); p != 0 {
		t.Fatalf("planning wrote %d filters", p)
	}
	if err := m.Apply(ctx, plan, e.target); err != nil {
		t.Fatal(err)
	}
	for _, c := range plan {
		if c.Mutates() != c.Done || c.Err != "" {
			t.Errorf("%s: done %v err %q", c.LogGroup, c.Done, c.Err)
		}
	}
	if p, _ := e.calls.writes(); p != 2 {
		t.Fatalf("%d PutSubscriptionFilter calls, want 2", p)
	}

	// Events written now are delivered to the raw stream, and only those
	// of subscribed groups.
	at := time.Now()
	for _, g := range []string{"/aws/lambda/app-a", "/aws/lambda/app-b", "/aws/lambda/pipe-ingest", "/ecs/web"} {
		if err := e.aws.PutLogLines(ctx, g, "2026/11/24/[$LATEST]abc", at, []string{`{"__otel_otlp_stdout":"0.17.3","from":"` + g + `"}`}); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := e.aws.ReadStream(ctx, e.raw)
	if err != nil {
		t.Fatal(err)
	}
	delivered := map[string]string{}
	for _, r := range recs {
		p, _, err := cwlogs.Decode(r.Kinesis.Data, nil, cwlogs.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.SubscriptionFilters) != 1 || p.SubscriptionFilters[0] != "pipe" || len(p.LogEvents) != 1 {
			t.Fatalf("payload %+v", p)
		}
		delivered[p.LogGroup] = p.LogEvents[0].Message
	}
	if len(delivered) != 2 || !strings.Contains(delivered["/aws/lambda/app-a"], "app-a") || !strings.Contains(delivered["/aws/lambda/app-b"], "app-b") {
		t.Fatalf("delivered %v", delivered)
	}

	// Idempotent: the same request plans no change and writes nothing.
	again, err := m.PlanSubscribe(ctx, gs, e.target)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(ctx, again, e.target); err != nil {
		t.Fatal(err)
	}
	for _, c := range again {
		if c.Mutates() {
			t.Errorf("second run: %s %s (%s)", c.LogGroup, c.Action, c.Reason)
		}
	}
	if p, _ := e.calls.writes(); p != 2 {
		t.Fatalf("the second run wrote filters: %d calls in all", p)
	}

	// A new pattern updates the filter in place.
	t2 := e.target
	t2.FilterPattern = `{ $.level = "ERROR" }`
	upd, err := m.PlanSubscribe(ctx, []LogGroup{{Name: "/aws/lambda/app-a"}}, t2)
	if err != nil {
		t.Fatal(err)
	}
	if upd[0].Action != Update || !strings.Contains(upd[0].Reason, `filter pattern "{ $.__otel_otlp_stdout = * }" -> "{ $.level = \"ERROR\" }"`) {
		t.Fatalf("update plan %+v", upd[0])
	}
	if err := m.Apply(ctx, upd, t2); err != nil || !upd[0].Done {
		t.Fatalf("update: %v %+v", err, upd[0])
	}
	fs, _, err := m.filters(ctx, "/aws/lambda/app-a")
	if err != nil || len(fs) != 1 || fs[0].FilterPattern != t2.FilterPattern {
		t.Fatalf("after update: %+v %v", fs, err)
	}

	// Another filter already sending to the raw stream counts as
	// subscribed: a second one would deliver everything twice.
	if _, err := e.aws.Logs.PutSubscriptionFilter(ctx, &cloudwatchlogs.PutSubscriptionFilterInput{
		LogGroupName: aws.String("/ecs/web"), FilterName: aws.String("by-hand"), FilterPattern: aws.String(""),
		DestinationArn: aws.String(e.raw), RoleArn: aws.String(role),
	}); err != nil {
		t.Fatal(err)
	}
	web, err := m.PlanSubscribe(ctx, []LogGroup{{Name: "/ecs/web", Named: true}}, e.target)
	if err != nil || web[0].Action != Unchanged || !strings.Contains(web[0].Reason, "by-hand") {
		t.Fatalf("already delivered: %+v %v", web, err)
	}
}

// TestSubscribeRefusesOwnLogGroups: named explicitly, the pipeline's own
// log groups are refused (a failure), never written.
func TestSubscribeRefusesOwnLogGroups(t *testing.T) {
	e := newMotoEnv(t)
	ctx := context.Background()
	m := e.manager()
	gs, err := Select(ctx, e.aws.Logs, Selector{Names: []string{"/aws/lambda/pipe-export", "/aws/lambda/app-a"}})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := m.PlanSubscribe(ctx, gs, e.target)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(ctx, plan, e.target); err != nil {
		t.Fatal(err)
	}
	got := byGroup(plan)
	if c := got["/aws/lambda/pipe-export"]; c.Action != Refuse || !c.Failed() || c.Done {
		t.Fatalf("own log group: %+v", c)
	}
	fs, _, err := m.filters(ctx, "/aws/lambda/pipe-export")
	if err != nil || len(fs) != 0 {
		t.Fatalf("own log group has filters %v %v", fs, err)
	}
	if c := got["/aws/lambda/app-a"]; !c.Done {
		t.Fatalf("app-a: %+v", c)
	}
}

// TestUnsubscribeAndList removes exactly the filters that deliver to the
// raw stream and lists what is left.
func TestUnsubscribeAndList(t *testing.T) {
	e := newMotoEnv(t)
	ctx := context.Background()
	m := e.manager()
	gs, err := Select(ctx, e.aws.Logs, Selector{Patterns: []string{"/aws/lambda/app-?"}, Names: []string{"/ecs/web"}})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := m.PlanSubscribe(ctx, gs, e.target)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(ctx, plan, e.target); err != nil {
		t.Fatal(err)
	}
	all, err := Select(ctx, e.aws.Logs, Selector{All: true})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := m.List(ctx, all, e.raw, e.own)
	if err != nil || len(subs) != 3 || subs[0].LogGroup != "/aws/lambda/app-a" || subs[0].Filter.Name != "pipe" {
		t.Fatalf("list: %+v %v", subs, err)
	}
	un, err := m.PlanUnsubscribe(ctx, []LogGroup{{Name: "/aws/lambda/app-a"}, {Name: "/aws/lambda/full"}}, e.raw)
	if err != nil {
		t.Fatal(err)
	}
	got := byGroup(un)
	if got["/aws/lambda/app-a"].Action != Delete || got["/aws/lambda/full"].Action != Unchanged {
		t.Fatalf("unsubscribe plan %+v", un)
	}
	if err := m.Apply(ctx, un, e.target); err != nil {
		t.Fatal(err)
	}
	subs, err = m.List(ctx, all, e.raw, e.own)
	if err != nil || len(subs) != 2 {
		t.Fatalf("list after unsubscribe: %+v %v", subs, err)
	}
	// The other pipeline's filters on /aws/lambda/full are untouched.
	fs, _, err := m.filters(ctx, "/aws/lambda/full")
	if err != nil || len(fs) != 2 {
		t.Fatalf("full: %+v %v", fs, err)
	}
	if _, d := e.calls.writes(); d != 1 {
		t.Fatalf("%d deletes, want 1", d)
	}
}

// TestAccountPolicyMoto records what moto answers for the account-level
// policy API. Today's moto does not implement it: the error must reach the
// operator. One that does must plan to create the policy.
func TestAccountPolicyMoto(t *testing.T) {
	e := newMotoEnv(t)
	c, err := PlanAccount(context.Background(), e.aws.Logs, "pipe-subscription", e.target)
	if err == nil {
		// A moto that implements the API: on an account without policies
		// the plan is to create ours.
		if c.Action != Create {
			t.Fatalf("plan on an account without policies: %s (%s), want create", c.Action, c.Reason)
		}
		return
	}
	if !strings.Contains(err.Error(), "read the account's subscription filter policies") {
		t.Fatalf("error %v", err)
	}
	t.Logf("moto: %v", err)
}

// TestSubscribeUnderAccountPolicy: log groups that the account policy
// already sends to the raw stream get no filter of their own (every event
// would arrive twice), not even where two other filters would conflict;
// those it leaves out do.
func TestSubscribeUnderAccountPolicy(t *testing.T) {
	e := newMotoEnv(t)
	ctx := context.Background()
	tg := e.target
	tg.AccountPolicy = &AccountPolicy{Name: "pipe-subscription", Document: PolicyDocument{DestinationArn: e.raw},
		SelectionCriteria: Selection(append([]string{"/aws/lambda/app-b"}, e.own...))}
	gs, err := Select(ctx, e.aws.Logs, Selector{Patterns: []string{"/aws/lambda/*"}})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := e.manager().PlanSubscribe(ctx, gs, tg)
	if err != nil {
		t.Fatal(err)
	}
	got := byGroup(plan)
	for g, want := range map[string]Action{"/aws/lambda/app-a": Unchanged, "/aws/lambda/full": Unchanged, "/aws/lambda/app-b": Create, "/aws/lambda/pipe-ingest": Skip} {
		if got[g].Action != want {
			t.Errorf("%s: %s (%s), want %s", g, got[g].Action, got[g].Reason, want)
		}
	}
	if !strings.Contains(got["/aws/lambda/app-a"].Reason, "account policy pipe-subscription") {
		t.Errorf("reason %q", got["/aws/lambda/app-a"].Reason)
	}
	// A policy to another stream changes nothing.
	tg.AccountPolicy.Document.DestinationArn = e.elsewhere
	plan, err = e.manager().PlanSubscribe(ctx, gs, tg)
	if err != nil || byGroup(plan)["/aws/lambda/app-a"].Action != Create {
		t.Fatalf("policy elsewhere: %+v %v", plan, err)
	}
}
