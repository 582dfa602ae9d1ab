package faults

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Rule says which requests get which fault. Every condition that is set
// must hold for the rule to apply; a rule with no condition applies to every
// request. The zero value forwards every request (and counts them).
type Rule struct {
	// Name identifies the rule in Stats and in the request log. Zero: the
	// action's description, such as "respond 503". Rules that share a name
	// share a count.
	Name string

	// Method is the HTTP method, such as "POST". Zero: any.
	Method string
	// PathPrefix is a prefix of the request path, such as "/v1/traces".
	// Zero: any.
	PathPrefix string
	// Operation is the AWS operation from the X-Amz-Target header:
	// "PutRecords" matches "Kinesis_20131202.PutRecords"; a name with a dot
	// must equal the whole header. Zero: any, including none.
	Operation string
	// Stream is a Kinesis stream named in the JSON body, as StreamName or
	// StreamARN: the name matches both, a full ARN only the ARN. Zero: any.
	Stream string
	// Queue is an SQS queue named in the JSON body's QueueUrl: the whole URL
	// or its last segment, the queue name. Zero: any.
	Queue string
	// Body is a predicate on the whole request body; it must not keep or
	// change the slice. A body larger than Options.MaxBody does not match.
	// Nil: any.
	Body func(body []byte) bool

	// After delays the start of the rule: it applies from this long after
	// Set. Zero: at once.
	After time.Duration
	// For ends the rule this long after it starts. Zero: never.
	For time.Duration
	// Times is how many requests the rule applies to; after that it is
	// skipped and the next rule may match. Zero: no limit.
	Times int

	// Action is what happens to a matching request. Nil: Forward{}.
	Action Action
}

// rule is a Rule installed by Set, with its window and count.
type rule struct {
	Rule
	name        string
	from, until time.Time // until is zero when open-ended
	hits        atomic.Int64
}

// Set replaces the rules, matched in order: the first rule that matches a
// request and has not used up its Times acts on it. Counts and windows start
// afresh. An invalid rule is an error that lists every problem, and leaves
// the rules as they were.
func (p *Proxy) Set(rules ...Rule) error {
	var errs []error
	now := p.now()
	installed := make([]*rule, 0, len(rules))
	for i, r := range rules {
		if r.Action == nil {
			r.Action = Forward{}
		}
		if err := r.validate(); err != nil {
			errs = append(errs, fmt.Errorf("rule %d (%s): %w", i, r.Action, err))
			continue
		}
		ir := &rule{Rule: r, name: r.Name, from: now.Add(r.After)}
		if ir.name == "" {
			ir.name = r.Action.String()
		}
		if r.For > 0 {
			ir.until = ir.from.Add(r.For)
		}
		installed = append(installed, ir)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("set fault rules: %w", err)
	}
	p.rules.Store(&installed)
	return nil
}

// Clear removes every rule: from now on everything is forwarded.
func (p *Proxy) Clear() { p.rules.Store(&[]*rule{}) }

func (r Rule) validate() error {
	var errs []error
	if r.Times < 0 {
		errs = append(errs, fmt.Errorf("Times %d is negative", r.Times))
	}
	if r.After < 0 || r.For < 0 {
		errs = append(errs, fmt.Errorf("After %v and For %v must not be negative", r.After, r.For))
	}
	if err := r.Action.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// match finds the first rule that applies to x's request and takes one of
// its Times; nil when none does.
func (p *Proxy) match(x *exchange) *rule {
	now := p.now()
	for _, r := range *p.rules.Load() {
		if !r.matches(x, now) {
			continue
		}
		if r.take() {
			return r
		}
	}
	return nil
}

// take claims one application of the rule; false when Times is used up.
func (r *rule) take() bool {
	for {
		n := r.hits.Load()
		if r.Times > 0 && n >= int64(r.Times) {
			return false
		}
		if r.hits.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// matches checks the cheap conditions first and reads the body only when a
// condition needs it.
func (r *rule) matches(x *exchange, now time.Time) bool {
	req := x.r
	switch {
	case now.Before(r.from), !r.until.IsZero() && !now.Before(r.until):
		return false
	case r.Method != "" && !strings.EqualFold(r.Method, req.Method):
		return false
	case r.PathPrefix != "" && !strings.HasPrefix(req.URL.Path, r.PathPrefix):
		return false
	case r.Operation != "" && !operationIs(req.Header, r.Operation):
		return false
	}
	if r.Stream == "" && r.Queue == "" && r.Body == nil {
		return true
	}
	body, ok := x.body()
	if !ok {
		return false
	}
	if r.Stream != "" || r.Queue != "" {
		names := x.names()
		if r.Stream != "" && !names.hasStream(r.Stream) {
			return false
		}
		if r.Queue != "" && !names.hasQueue(r.Queue) {
			return false
		}
	}
	return r.Body == nil || r.Body(body)
}

// operation is the X-Amz-Target header's operation name, the part after the
// last dot; "" when there is none.
func operation(h http.Header) string {
	t := h.Get("X-Amz-Target")
	return t[strings.LastIndexByte(t, '.')+1:]
}

func operationIs(h http.Header, want string) bool {
	if strings.Contains(want, ".") {
		return h.Get("X-Amz-Target") == want
	}
	return operation(h) == want
}
