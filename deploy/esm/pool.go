package esm

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/events"
)

// Pool spreads invocations over several invokers, each serving one
// invocation at a time, like Lambda's concurrent execution environments
// (say, one RIE instance each). An invocation waits for a free invoker.
type Pool struct {
	free chan Invoker
}

var _ Invoker = (*Pool)(nil)

// NewPool returns a pool of invokers; it needs at least one.
func NewPool(invokers ...Invoker) (*Pool, error) {
	if len(invokers) == 0 {
		return nil, errors.New("esm: a pool needs at least one invoker")
	}
	p := &Pool{free: make(chan Invoker, len(invokers))}
	for _, inv := range invokers {
		if inv == nil {
			return nil, errors.New("esm: pool invoker is nil")
		}
		p.free <- inv
	}
	return p, nil
}

// Invoke runs ev on the first free invoker. Waiting ends with ctx, as a
// *NotInvokedError.
func (p *Pool) Invoke(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	select {
	case inv := <-p.free:
		defer func() { p.free <- inv }()
		return inv.Invoke(ctx, ev)
	case <-ctx.Done():
		return events.KinesisEventResponse{}, &NotInvokedError{Err: ctx.Err()}
	}
}
