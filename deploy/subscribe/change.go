package subscribe

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// Action is what a plan does to one log group.
type Action string

// Actions.
const (
	// Create adds the pipeline's filter.
	Create Action = "create"
	// Update rewrites the pipeline's filter (pattern, role or distribution
	// differ).
	Update Action = "update"
	// Delete removes a filter that delivers to the raw stream.
	Delete Action = "delete"
	// Unchanged: nothing to do.
	Unchanged Action = "unchanged"
	// Skip: the log group cannot or must not be changed, and it was not
	// asked for by name (its own log group matched by a pattern, an
	// Infrequent Access log group).
	Skip Action = "skip"
	// Refuse: the log group was asked for by name but must not be
	// subscribed (one of the pipeline's own).
	Refuse Action = "refuse"
	// Conflict: the log group already has the two subscription filters
	// CloudWatch Logs allows.
	Conflict Action = "conflict"
)

// Filter is an existing subscription filter.
type Filter struct {
	Name           string `json:"name"`
	FilterPattern  string `json:"filter_pattern"`
	DestinationArn string `json:"destination_arn"`
	RoleArn        string `json:"role_arn,omitempty"`
	Distribution   string `json:"distribution,omitempty"`
}

func fromSDK(f types.SubscriptionFilter) Filter {
	return Filter{
		Name: aws.ToString(f.FilterName), FilterPattern: aws.ToString(f.FilterPattern),
		DestinationArn: aws.ToString(f.DestinationArn), RoleArn: aws.ToString(f.RoleArn),
		Distribution: string(f.Distribution),
	}
}

// Change is the plan for one log group (or, for Delete, one filter), and
// after Apply its outcome.
type Change struct {
	LogGroup string `json:"log_group"`
	Action   Action `json:"action"`
	// Filter names the filter created, updated or deleted.
	Filter string `json:"filter,omitempty"`
	// Reason explains every action but Create.
	Reason string `json:"reason,omitempty"`
	// Existing lists the log group's filters when they matter (Conflict,
	// Update).
	Existing []Filter `json:"existing_filters,omitempty"`
	// Done is true once Apply made the change.
	Done bool `json:"done"`
	// Err is why Apply could not make it.
	Err string `json:"error,omitempty"`
}

// Mutates reports whether the change calls a write API.
func (c *Change) Mutates() bool {
	return c.Action == Create || c.Action == Update || c.Action == Delete
}

// Failed reports a change that asks the operator to act: a refusal, a
// conflict, or an error while applying.
func (c *Change) Failed() bool {
	return c.Action == Refuse || c.Action == Conflict || c.Err != ""
}

// Count tallies changes by action; "failed" counts those that Failed.
func Count(cs []Change) map[string]int {
	n := map[string]int{}
	for i := range cs {
		n[string(cs[i].Action)]++
		if cs[i].Err != "" {
			n["failed"]++
		}
	}
	return n
}
