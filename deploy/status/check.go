package status

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// checker gathers one report.
type checker struct {
	cl         Clients
	opts       Options
	now        time.Time
	notes      []string
	reads      int // sources read successfully
	collectors map[string]*Collector
}

func (c *checker) note(format string, args ...any) {
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}

func (c *checker) collector(name string) *Collector {
	col := c.collectors[name]
	if col == nil {
		col = &Collector{Name: name}
		c.collectors[name] = col
	}
	return col
}

// Check reads the pipeline's state and judges it. It fails only when no
// source at all could be read (wrong credentials, Region or endpoint).
func Check(ctx context.Context, cl Clients, res Resources, opts Options) (*Report, error) {
	if opts.Since <= 0 {
		opts.Since = DefaultSince
	}
	if opts.MaxIteratorAge <= 0 {
		opts.MaxIteratorAge = DefaultMaxIteratorAge
	}
	if opts.DLQSample == 0 {
		opts.DLQSample = DefaultDLQSample
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &checker{cl: cl, opts: opts, now: opts.Now(), collectors: map[string]*Collector{}}
	rep := &Report{Stack: res.Stack, StackStatus: res.StackStatus, CheckedAt: c.now.UTC(), WindowSeconds: int(opts.Since / time.Second),
		Streams: []Stream{}, Queues: []Queue{}, Functions: []Function{}, Collectors: []Collector{}, Problems: []Problem{}}

	for _, s := range []struct{ role, name, consumer string }{
		{"raw", res.RawStream, res.IngestFunction}, {"export", res.ExportStream, res.ExportFunction},
	} {
		if s.name == "" {
			c.note("%s stream unknown: not checked", s.role)
			continue
		}
		st := c.stream(ctx, s.role, s.name, s.consumer)
		if st.Status != "" {
			c.reads++
		}
		rep.Streams = append(rep.Streams, st)
	}
	for _, q := range []struct{ role, url string }{{"dlq", res.DLQURL}, {"esm_failures", res.FailureQueueURL}} {
		if q.url == "" {
			c.note("%s queue unknown: not checked", q.role)
			continue
		}
		sample := opts.DLQSample
		if q.role != "dlq" {
			sample = -1 // batch metadata, not dead letters
		}
		rep.Queues = append(rep.Queues, c.queue(ctx, q.role, q.url, sample))
	}
	for _, f := range []struct{ role, name, group string }{
		{"ingest", res.IngestFunction, res.IngestLogGroup}, {"export", res.ExportFunction, res.ExportLogGroup},
	} {
		if f.group == "" {
			c.note("log group of the %s function unknown: its errors and counters not read", f.role)
			continue
		}
		rep.Functions = append(rep.Functions, c.function(ctx, f.role, f.name, f.group))
	}
	c.metrics(ctx, c.queries(rep))

	for _, col := range c.collectors {
		rep.Collectors = append(rep.Collectors, *col)
	}
	sort.Slice(rep.Collectors, func(i, j int) bool { return rep.Collectors[i].Name < rep.Collectors[j].Name })
	rep.Notes = c.notes
	if c.reads == 0 {
		return rep, fmt.Errorf("could not read the pipeline at all (check the credentials, --region and --endpoint-url): %w", errors.New(strings.Join(c.notes, "; ")))
	}
	rep.Problems = judge(rep, opts)
	rep.Healthy = true
	for _, p := range rep.Problems {
		if p.Severity == Unhealthy {
			rep.Healthy = false
		}
	}
	return rep, nil
}

// queries lists the CloudWatch metrics that fill the report: each
// function's lag behind its stream, invocation errors and throttles, and
// each stream's own GetRecords lag for when the function has none.
func (c *checker) queries(rep *Report) []metric {
	var ms []metric
	for i := range rep.Streams {
		s := &rep.Streams[i]
		ms = append(ms, metric{namespace: "AWS/Kinesis", name: "GetRecords.IteratorAgeMilliseconds", dimension: "StreamName", value: s.Name, stat: "Maximum",
			into: func(v float64) {
				if s.IteratorAgeMs == nil {
					s.IteratorAgeMs, s.IteratorAgeSource = &v, "AWS/Kinesis GetRecords.IteratorAgeMilliseconds"
				}
			}})
		if s.Consumer != "" {
			// Listed after the stream's: a function's own lag wins.
			ms = append(ms, metric{namespace: "AWS/Lambda", name: "IteratorAge", dimension: "FunctionName", value: s.Consumer, stat: "Maximum",
				into: func(v float64) { s.IteratorAgeMs, s.IteratorAgeSource = &v, "AWS/Lambda IteratorAge of "+s.Consumer }})
		}
	}
	for i := range rep.Functions {
		f := &rep.Functions[i]
		if f.Name == "" {
			continue
		}
		ms = append(ms,
			metric{namespace: "AWS/Lambda", name: "Errors", dimension: "FunctionName", value: f.Name, stat: "Sum", into: func(v float64) { f.Errors = &v }},
			metric{namespace: "AWS/Lambda", name: "Throttles", dimension: "FunctionName", value: f.Name, stat: "Sum", into: func(v float64) { f.Throttles = &v }})
	}
	return ms
}
