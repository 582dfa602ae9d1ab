package status

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// judge lists the problems the report shows, worst first.
func judge(rep *Report, opts Options) []Problem {
	var ps []Problem
	bad := func(what, fix string, args ...any) {
		ps = append(ps, Problem{Severity: Unhealthy, What: what, Fix: fmt.Sprintf(fix, args...)})
	}
	warn := func(what, fix string, args ...any) {
		ps = append(ps, Problem{Severity: Warning, What: what, Fix: fmt.Sprintf(fix, args...)})
	}
	window := opts.Since.String()

	switch s := rep.StackStatus; {
	case s == "", s == "CREATE_COMPLETE", s == "UPDATE_COMPLETE", s == "IMPORT_COMPLETE":
	case strings.HasSuffix(s, "_IN_PROGRESS"):
		warn(fmt.Sprintf("stack %s is %s", rep.Stack, s), "wait for it to finish (otlpfwd status again in a minute)")
	case s == "UPDATE_ROLLBACK_COMPLETE":
		warn(fmt.Sprintf("stack %s: its last update failed and was rolled back", rep.Stack), "see why with aws cloudformation describe-stack-events --stack-name %s, fix, then otlpfwd deploy", rep.Stack)
	default:
		bad(fmt.Sprintf("stack %s is %s", rep.Stack, s), "see why with aws cloudformation describe-stack-events --stack-name %s, then otlpfwd deploy again", rep.Stack)
	}

	for _, s := range rep.Streams {
		switch s.Status {
		case "", "ACTIVE":
		case "UPDATING":
			warn(fmt.Sprintf("%s stream %s is UPDATING (resharding)", s.Role, s.Name), "wait for it to finish")
		default:
			bad(fmt.Sprintf("%s stream %s is %s", s.Role, s.Name, s.Status), "redeploy the stack (otlpfwd deploy)")
		}
		if s.IteratorAgeMs != nil && time.Duration(*s.IteratorAgeMs)*time.Millisecond > opts.MaxIteratorAge {
			fix := "the ingest function keeps failing or is too slow: look at its errors below; raise RawShardCount, IngestParallelizationFactor or IngestMemorySize (otlpfwd deploy --parameter-overrides)"
			if s.Role == "export" {
				fix = "the export function keeps failing or a collector is slow: look at its errors and the collectors below; raise ExportShardCount or ExportParallelizationFactor (otlpfwd deploy --parameter-overrides)"
			}
			bad(fmt.Sprintf("%s lags %s behind the %s stream (over %s in the last %s)", orName(s.Consumer, "its reader"), describeMs(*s.IteratorAgeMs), s.Role, opts.MaxIteratorAge, window), "%s", fix)
		}
		if s.mappingsRead && len(s.Mappings) == 0 {
			bad(fmt.Sprintf("no event source mapping feeds %s from the %s stream %s: nothing reads it", s.Consumer, s.Role, s.Name),
				"deploy the stack again (otlpfwd deploy); it creates the mapping")
		}
		for _, m := range s.Mappings {
			switch {
			case m.State != "Enabled" && m.State != "Enabling" && m.State != "Updating":
				bad(fmt.Sprintf("event source mapping %s (%s stream -> %s) is %s (%s)", m.UUID, s.Role, s.Consumer, m.State, m.Reason),
					"enable it: aws lambda update-event-source-mapping --uuid %s --enabled", m.UUID)
			case strings.HasPrefix(m.LastResult, "PROBLEM"):
				bad(fmt.Sprintf("event source mapping %s (%s stream -> %s): %s", m.UUID, s.Role, s.Consumer, m.LastResult),
					"Lambda cannot invoke %s or read the stream: check the function's role and the key policy", s.Consumer)
			}
		}
	}

	for _, q := range rep.Queues {
		n := q.Depth.Total()
		if n == 0 {
			continue
		}
		switch q.Role {
		case "dlq":
			what := fmt.Sprintf("%d messages wait in the dead-letter queue", n)
			if len(q.ByReason) > 0 {
				what += " (" + tallies(q.ByReason) + fmt.Sprintf(" in a sample of %d)", q.Sampled)
			}
			bad(what, "see them with otlpfwd dlq inspect --peek 5, fix the cause (the collector, its credentials), then otlpfwd dlq redrive")
		default:
			bad(fmt.Sprintf("%s exhausted the event source mapping's retries (on-failure queue)", plural(n, "batch", "batches")),
				"their records stay in the stream until its retention ends: read the messages (aws sqs receive-message --queue-url %s) for the shard and sequence numbers, and the function's errors below", q.URL)
		}
	}

	for _, f := range rep.Functions {
		if f.ErrorLines > 0 {
			last := ""
			if k := len(f.LastErrors); k > 0 {
				last = fmt.Sprintf("; last: %q", f.LastErrors[k-1].Message)
			}
			bad(fmt.Sprintf("the %s function logged %s in the last %s%s", f.Role, plural(f.ErrorLines, "error line", "error lines"), window, last),
				"read them: aws logs filter-log-events --log-group-name %s --start-time %d --filter-pattern '%s'", f.LogGroup, rep.CheckedAt.Add(-opts.Since).UnixMilli(), errorPattern)
		}
		if f.Errors != nil && *f.Errors > 0 && f.ErrorLines == 0 {
			bad(fmt.Sprintf("the %s function failed %.0f invocations in the last %s", f.Role, *f.Errors, window), "read its log group %s", f.LogGroup)
		}
		if f.Throttles != nil && *f.Throttles > 0 {
			warn(fmt.Sprintf("the %s function was throttled %.0f times in the last %s", f.Role, *f.Throttles, window), "raise its reserved concurrency or the account's concurrency limit")
		}
		if n := f.Counters["DeadLetterFailures"]; n > 0 {
			bad(fmt.Sprintf("the %s function could not write %.0f dead letters (their records are retried from the stream)", f.Role, n), "check that its role may sqs:SendMessage and use the queue's KMS key")
		}
		if n := f.Counters["PutFailed"]; n > 0 {
			bad(fmt.Sprintf("the ingest function failed %.0f writes to the export stream", n), "raise ExportShardCount (throttling) or check its role")
		}
		if n := f.Counters["Undecodable"]; n > 0 {
			warn(fmt.Sprintf("the %s function met %.0f undecodable records or lines in the last %s", f.Role, n, window), "they are in the DLQ with reason undecodable: otlpfwd dlq inspect --peek 5 shows them")
		}
		if f.Role == "ingest" {
			if n := f.Counters["Unrouted"]; n > 0 {
				warn(fmt.Sprintf("%.0f items matched no collector in the last %s", n, window), "check the collectors' match rules and signals")
			}
		}
	}
	busy := false
	for _, f := range rep.Functions {
		busy = busy || f.Batches > 0
	}
	if !busy && len(rep.Functions) > 0 {
		warn(fmt.Sprintf("no batches in the last %s: no data arrived, or the functions do not run", window), "list the subscribed log groups with otlpfwd subscriptions")
	}

	for _, c := range rep.Collectors {
		if c.CircuitOpen > 0 {
			bad(fmt.Sprintf("collector %s: its circuit was open in %s (it kept failing; its data went to the DLQ)", c.Name, plural(c.CircuitOpen, "batch", "batches")),
				"check the collector and its endpoint and credentials, then otlpfwd dlq redrive --collector %s", c.Name)
		} else if c.DeadLettered > 0 {
			bad(fmt.Sprintf("collector %s: %d items dead-lettered, %d delivered in the last %s", c.Name, c.DeadLettered, c.Delivered, window),
				"see why with otlpfwd dlq inspect --peek 5, fix, then otlpfwd dlq redrive --collector %s", c.Name)
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Severity == Unhealthy && ps[j].Severity != Unhealthy })
	return ps
}

// plural says "1 batch" or "3 batches".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func orName(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
