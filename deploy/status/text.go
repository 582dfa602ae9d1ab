package status

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/otlpfwd/otlpfwd/deploy/dlqops"
)

// WriteText writes the report as one screen of tables, problems last.
func WriteText(w io.Writer, rep *Report) error {
	verdict := "HEALTHY"
	if !rep.Healthy {
		verdict = "UNHEALTHY"
	}
	name := rep.Stack
	if rep.StackStatus != "" {
		name += " (" + rep.StackStatus + ")"
	}
	fmt.Fprintf(w, "Pipeline %s, last %s: %s\n", strings.TrimSpace(name), time.Duration(rep.WindowSeconds)*time.Second, verdict)

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(rep.Streams) > 0 {
		fmt.Fprintln(tw, "\nSTREAM\tNAME\tSTATUS\tSHARDS\tLAG (MAX)\tREAD BY")
		for _, s := range rep.Streams {
			lag := "no data"
			if s.IteratorAgeMs != nil {
				lag = describeMs(*s.IteratorAgeMs)
			}
			reader := s.Consumer
			for _, m := range s.Mappings {
				reader += " (" + m.State
				if m.LastResult != "" {
					reader += ", " + m.LastResult
				}
				reader += ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", s.Role, s.Name, orName(s.Status, "?"), s.OpenShards, lag, reader)
		}
	}
	if len(rep.Queues) > 0 {
		fmt.Fprintln(tw, "\nQUEUE\tMESSAGES\tIN FLIGHT\tOLDEST\tBY REASON")
		for _, q := range rep.Queues {
			oldest := "-"
			if !q.Oldest.IsZero() {
				oldest = rep.CheckedAt.Sub(q.Oldest).Round(time.Second).String() + " ago"
			}
			by := tallies(q.ByReason)
			if q.Sampled > 0 && q.Sampled < q.Depth.Visible {
				by += fmt.Sprintf(" (sample of %d)", q.Sampled)
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", q.Role, q.Depth.Visible+q.Depth.Delayed, q.Depth.InFlight, oldest, by)
		}
	}
	if len(rep.Functions) > 0 {
		fmt.Fprintln(tw, "\nFUNCTION\tBATCHES\tRECORDS IN\tERROR LINES\tINVOCATION ERRORS")
		for _, f := range rep.Functions {
			inv := "-"
			if f.Errors != nil {
				inv = fmt.Sprintf("%.0f", *f.Errors)
			}
			fmt.Fprintf(tw, "%s\t%d\t%.0f\t%d\t%s\n", f.Role, f.Batches, f.Counters["RecordsIn"], f.ErrorLines, inv)
		}
	}
	if len(rep.Collectors) > 0 {
		fmt.Fprintln(tw, "\nCOLLECTOR\tITEMS\tDELIVERED\tDEAD-LETTERED\tCIRCUIT OPEN")
		for _, c := range rep.Collectors {
			open := "-"
			if c.CircuitOpen > 0 {
				open = plural(c.CircuitOpen, "batch", "batches")
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", c.Name, c.Items, c.Delivered, c.DeadLettered, open)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintln(w, "\nProblems:")
		for _, p := range rep.Problems {
			fmt.Fprintf(w, "  %-9s  %s\n  %9s  -> %s\n", strings.ToUpper(string(p.Severity)), p.What, "", p.Fix)
		}
	}
	if len(rep.Notes) > 0 {
		fmt.Fprintln(w, "\nNot checked:")
		for _, n := range rep.Notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
	return nil
}

// tallies formats counts by key, largest first: "permanent 3, undecodable 1".
func tallies(m map[string]dlqops.Tally) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]].Messages != m[keys[j]].Messages {
			return m[keys[i]].Messages > m[keys[j]].Messages
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k].Messages)
	}
	return strings.Join(parts, ", ")
}
