package stack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// maxEventPages bounds how far back one poll reads the stack's events.
const maxEventPages = 20

// Execute runs the change set and follows the stack's events (printed to
// Options.Progress) until it settles. It returns the stack with its
// outputs; a failed or rolled-back deployment is an error that quotes the
// failed resources' reasons. An Empty change set only reads the stack.
func (d *Deployer) Execute(ctx context.Context, cs *ChangeSet) (*Stack, error) {
	if cs.Empty {
		return Describe(ctx, d.cfn, cs.StackID)
	}
	w := &watcher{d: d, stack: cs.StackID, name: cs.StackName}
	if err := w.mark(ctx); err != nil {
		return nil, err
	}
	if _, err := d.cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: aws.String(cs.ID), StackName: aws.String(cs.StackID)}); err != nil {
		return nil, fmt.Errorf("execute change set %s on stack %s: %w", cs.Name, cs.StackName, err)
	}
	fmt.Fprintf(d.opts.Progress, "Executing change set %s; following stack %s\n", cs.Name, cs.StackName)
	return w.follow(ctx)
}

// watcher prints a stack's new events.
type watcher struct {
	d           *Deployer
	stack, name string
	// seen is the newest event already printed (or predating the
	// execution).
	seen     string
	failures []string
}

// mark remembers the newest event, so that only later ones are printed.
func (w *watcher) mark(ctx context.Context) error {
	out, err := w.d.cfn.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(w.stack)})
	if err != nil {
		if isNoStack(err) {
			return nil
		}
		return fmt.Errorf("read the events of stack %s: %w", w.name, err)
	}
	if len(out.StackEvents) > 0 {
		w.seen = aws.ToString(out.StackEvents[0].EventId)
	}
	return nil
}

// follow polls events and status until the stack settles.
func (w *watcher) follow(ctx context.Context) (*Stack, error) {
	for {
		if err := w.printNew(ctx); err != nil {
			return nil, w.stopped(err)
		}
		st, err := Describe(ctx, w.d.cfn, w.stack)
		if err != nil {
			return nil, w.stopped(err)
		}
		if Done(st.Status) {
			if err := w.printNew(ctx); err != nil {
				return nil, w.stopped(err)
			}
			if !Succeeded(st.Status) {
				return st, w.failed(st)
			}
			return st, nil
		}
		if err := sleep(ctx, w.d.opts.PollInterval); err != nil {
			return nil, w.stopped(err)
		}
	}
}

// printNew prints the events after w.seen, oldest first.
func (w *watcher) printNew(ctx context.Context) error {
	var fresh []cfntypes.StackEvent
	in := &cloudformation.DescribeStackEventsInput{StackName: aws.String(w.stack)}
	found := false
	for page := 0; page < maxEventPages && !found; page++ {
		out, err := w.d.cfn.DescribeStackEvents(ctx, in)
		if err != nil {
			return fmt.Errorf("read the events of stack %s: %w", w.name, err)
		}
		for _, e := range out.StackEvents {
			if aws.ToString(e.EventId) == w.seen {
				found = true
				break
			}
			fresh = append(fresh, e)
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(fresh) == 0 {
		return nil
	}
	w.seen = aws.ToString(fresh[0].EventId)
	slices.Reverse(fresh)
	for _, e := range fresh {
		status := string(e.ResourceStatus)
		reason := aws.ToString(e.ResourceStatusReason)
		line := fmt.Sprintf("%s  %-28s %-36s %s", aws.ToTime(e.Timestamp).UTC().Format(time.TimeOnly), status, aws.ToString(e.ResourceType), aws.ToString(e.LogicalResourceId))
		if reason != "" {
			line += "  " + reason
		}
		fmt.Fprintln(w.d.opts.Progress, line)
		if strings.HasSuffix(status, "_FAILED") && reason != "" && !strings.Contains(reason, "Resource creation cancelled") {
			w.failures = append(w.failures, fmt.Sprintf("%s (%s): %s", aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceType), reason))
		}
	}
	return nil
}

func (w *watcher) failed(st *Stack) error {
	msg := fmt.Sprintf("stack %s ended in %s", w.name, st.Status)
	if st.Reason != "" {
		msg += " (" + st.Reason + ")"
	}
	if len(w.failures) > 0 {
		msg += "; failed resources:\n  " + strings.Join(w.failures, "\n  ")
	}
	return errors.New(msg)
}

func (w *watcher) stopped(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stopped following stack %s (%w); CloudFormation carries on: watch it with aws cloudformation describe-stack-events --stack-name %s", w.name, err, w.name)
	}
	return err
}
