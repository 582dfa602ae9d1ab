package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/otlpfwd/otlpfwd/deploy/stack"
)

// deployResult is what otlpfwd deploy --output json prints.
type deployResult struct {
	ChangeSet *stack.ChangeSet `json:"change_set"`
	DryRun    bool             `json:"dry_run"`
	// Executed is true when the change set ran (whatever the outcome).
	Executed bool         `json:"executed"`
	Stack    *stack.Stack `json:"stack,omitempty"`
}

// printChangeSet writes the change set as a table.
func printChangeSet(w io.Writer, cs *stack.ChangeSet) {
	fmt.Fprintf(w, "Change set %s (%s) for stack %s\n", cs.Name, cs.Type, cs.StackName)
	if cs.Empty {
		fmt.Fprintln(w, "  no changes: the stack already matches the template and parameters")
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  ACTION\tLOGICAL ID\tRESOURCE TYPE\tREPLACEMENT")
		for _, c := range cs.Changes {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Action, c.LogicalID, c.Type, c.Replacement)
		}
		tw.Flush()
	}
	// Only values that differ from the template's defaults are listed.
	var set []stack.ParameterValue
	for _, p := range cs.Parameters {
		if p.Source == stack.FromOverride || p.Value != p.Default {
			set = append(set, p)
		}
	}
	fmt.Fprintf(w, "Parameters overridden or not at their default: %d of %d\n", len(set), len(cs.Parameters))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, p := range set {
		v := p.Value
		if p.NoEcho {
			v = stack.Masked
		}
		fmt.Fprintf(tw, "  %s\t%s\t(%s)\n", p.Key, v, p.Source)
	}
	tw.Flush()
}

// printResult writes the outcome: a table of outputs, or the whole result
// as JSON.
func printResult(w io.Writer, format string, res deployResult) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	switch {
	case res.DryRun:
		fmt.Fprintln(w, "Dry run: the change set was deleted; nothing was deployed.")
		return nil
	case res.ChangeSet.Empty:
		fmt.Fprintf(w, "No changes to deploy: stack %s is up to date (%s).\n", res.Stack.Name, res.Stack.Status)
	default:
		fmt.Fprintf(w, "Stack %s: %s\n", res.Stack.Name, res.Stack.Status)
	}
	if len(res.Stack.Outputs) == 0 {
		return nil
	}
	fmt.Fprintln(w, "Outputs:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, o := range res.Stack.Outputs {
		fmt.Fprintf(tw, "  %s\t%s\n", o.Key, o.Value)
	}
	return tw.Flush()
}
