package status

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/otlpfwd/otlpfwd/shared/aws/setup"
	"github.com/otlpfwd/otlpfwd/shared/emf"
)

// Filter patterns of the searches. CloudWatch Logs narrows the events
// with them; every line is checked again here, so a stand-in that ignores
// patterns gives the same answer.
const (
	// errorPattern finds the functions' ERROR lines (slog JSON) and the
	// Lambda runtime's reports of timeouts and crashes.
	errorPattern = `?ERROR ?"Task timed out" ?"Runtime.ExitError" ?"Runtime.Unknown" ?"panic:" ?"fatal error:"`
	// emfPattern finds the functions' EMF counter lines.
	emfPattern = `{ $.Function = * }`
	// lastErrors is how many error lines a report shows per function.
	lastErrors = 5
	// maxLine bounds the length of a line shown.
	maxLine = 300
)

// runtimeFailures are the runtime's own words for an invocation that
// failed as a whole.
var runtimeFailures = []string{"Task timed out", "Runtime.ExitError", "Runtime.Unknown", "panic:", "fatal error:"}

// search reads the log group's events that match pattern over the
// window, calling fn for each; missing is true when the log group does
// not exist (the function never ran).
func (c *checker) search(ctx context.Context, group, pattern string, fn func(types.FilteredLogEvent)) (missing bool, err error) {
	in := &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(group), FilterPattern: aws.String(pattern),
		StartTime: aws.Int64(c.now.Add(-c.opts.Since).UnixMilli()), EndTime: aws.Int64(c.now.UnixMilli()),
	}
	n := 0
	p := cloudwatchlogs.NewFilterLogEventsPaginator(c.cl.Logs, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			var nf *types.ResourceNotFoundException
			if errors.As(err, &nf) {
				return true, nil
			}
			return false, err
		}
		for _, ev := range out.Events {
			fn(ev)
			if n++; n >= maxLogEvents {
				c.note("log group %s: stopped after %d events; the counts cover part of the window", group, n)
				return false, nil
			}
		}
	}
	return false, nil
}

// function reads a function's error lines and EMF counters.
func (c *checker) function(ctx context.Context, role, name, group string) Function {
	f := Function{Role: role, Name: name, LogGroup: group, Counters: map[string]float64{}}
	if group == "" {
		return f
	}
	missing, err := c.search(ctx, group, errorPattern, func(ev types.FilteredLogEvent) {
		msg := aws.ToString(ev.Message)
		if !isError(msg) {
			return
		}
		f.ErrorLines++
		f.LastErrors = append(f.LastErrors, LogLine{Time: time.UnixMilli(aws.ToInt64(ev.Timestamp)).UTC(), Stream: aws.ToString(ev.LogStreamName), Message: shorten(msg)})
		if len(f.LastErrors) > lastErrors {
			f.LastErrors = f.LastErrors[1:]
		}
	})
	switch {
	case err != nil:
		c.note("error lines of %s: %v", group, err)
	case missing:
		c.note("log group %s does not exist yet: the %s function has not run", group, role)
		return f
	}
	if _, err := c.search(ctx, group, emfPattern, func(ev types.FilteredLogEvent) { c.emf(&f, []byte(aws.ToString(ev.Message))) }); err != nil {
		c.note("EMF counters of %s: %v", group, err)
	}
	return f
}

// emf adds one EMF line to the function's and the collectors' counters.
func (c *checker) emf(f *Function, line []byte) {
	r, ok := emf.Parse(line)
	if !ok || r.Namespace != setup.MetricsNamespace {
		return
	}
	coll, byCollector := r.Dimensions["Collector"]
	_, byReason := r.Dimensions["Reason"]
	switch {
	case byCollector && f.Role == "export":
		col := c.collector(coll)
		col.Items += int(r.Values["ItemsIn"])
		col.Requests += int(r.Values["Requests"])
		col.Delivered += int(r.Values["Delivered"])
		col.DeadLettered += int(r.Values["DeadLettered"])
		if r.Values["CircuitOpen"] > 0 {
			col.CircuitOpen++
		}
	case byCollector || byReason:
		// Per-collector routing counts of ingest and per-reason counts of
		// export repeat the function's totals.
	default:
		f.Batches++
		for k, v := range r.Values {
			f.Counters[k] += v
		}
	}
}

// isError reports an ERROR line of the functions' JSON logs, or a
// runtime failure.
func isError(msg string) bool {
	var line struct {
		Level string `json:"level"`
	}
	if strings.HasPrefix(strings.TrimSpace(msg), "{") && json.Unmarshal([]byte(msg), &line) == nil {
		return strings.EqualFold(line.Level, "ERROR")
	}
	for _, w := range runtimeFailures {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return strings.Contains(msg, " ERROR ") || strings.HasPrefix(msg, "ERROR")
}

// shorten keeps the start of a line, and of a JSON line its message and
// error.
func shorten(msg string) string {
	var line struct {
		Msg string `json:"msg"`
		Err string `json:"err"`
	}
	if json.Unmarshal([]byte(msg), &line) == nil && line.Msg != "" {
		msg = line.Msg
		if line.Err != "" {
			msg += ": " + line.Err
		}
	}
	msg = strings.TrimSpace(msg)
	if len(msg) > maxLine {
		msg = msg[:maxLine] + "..."
	}
	return msg
}
