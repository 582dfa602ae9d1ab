package status

import (
	"context"
	"time"

	"github.com/otlpfwd/otlpfwd/deploy/dlqops"
)

// queue reads a queue's depth and, for the DLQ, samples its reasons.
func (c *checker) queue(ctx context.Context, role, url string, sample int) Queue {
	q := Queue{Role: role, URL: url}
	var err error
	if q.Depth, err = dlqops.GetDepth(ctx, c.cl.Queues, url); err != nil {
		c.note("%s: %v", role, err)
		return q
	}
	c.reads++
	if sample <= 0 || q.Depth.Visible == 0 {
		return q
	}
	rep, err := dlqops.Inspect(ctx, c.cl.Queues, url, dlqops.InspectOptions{MaxMessages: sample, Visibility: 20 * time.Second, Now: c.opts.Now})
	if err != nil {
		c.note("%s sample: %v", role, err)
		return q
	}
	q.Sampled, q.ByReason, q.ByCollector, q.Oldest = rep.Read, rep.ByReason, rep.ByCollector, rep.Oldest
	return q
}
