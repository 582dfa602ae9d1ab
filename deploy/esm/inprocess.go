package esm

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// HandlerFunc is a Kinesis Lambda handler, such as ingest.Handler.Handle.
type HandlerFunc func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error)

// InProcessOptions tunes an InProcess invoker. The zero value gives the
// default noted on each field.
type InProcessOptions struct {
	// Timeout is the function timeout: the handler's ctx gets this
	// deadline, and a handler that returns after it has timed out, as
	// Lambda reports it. Zero: no deadline.
	Timeout time.Duration
	// FunctionARN is put in the handler's lambdacontext. Default empty.
	FunctionARN string
}

// InProcess invokes a handler in this process, as the Lambda runtime would:
// a returned error, a panic and a timeout are function errors.
type InProcess struct {
	handler HandlerFunc
	opts    InProcessOptions
}

var _ Invoker = (*InProcess)(nil)

// NewInProcess returns an invoker for handler.
func NewInProcess(handler HandlerFunc, opts InProcessOptions) *InProcess {
	return &InProcess{handler: handler, opts: opts}
}

// Invoke runs the handler with ev, with a deadline when Timeout is set.
func (p *InProcess) Invoke(ctx context.Context, ev events.KinesisEvent) (resp events.KinesisEventResponse, err error) {
	hctx := ctx
	if p.opts.Timeout > 0 {
		var cancel context.CancelFunc
		hctx, cancel = context.WithTimeout(ctx, p.opts.Timeout)
		defer cancel()
	}
	hctx = lambdacontext.NewContext(hctx, &lambdacontext.LambdaContext{
		AwsRequestID:       newRequestID(),
		InvokedFunctionArn: p.opts.FunctionARN,
	})
	defer func() {
		if v := recover(); v != nil {
			resp, err = events.KinesisEventResponse{}, &FunctionError{Type: "Runtime.GoPanic", Message: fmt.Sprint(v)}
		}
	}()
	resp, err = p.handler(hctx, ev)
	if p.opts.Timeout > 0 && ctx.Err() == nil && errors.Is(hctx.Err(), context.DeadlineExceeded) {
		return events.KinesisEventResponse{}, &FunctionError{
			Type:    "Sandbox.Timedout",
			Message: fmt.Sprintf("Task timed out after %.2f seconds", p.opts.Timeout.Seconds()),
			Err:     err,
		}
	}
	if err != nil {
		return events.KinesisEventResponse{}, &FunctionError{Type: errorType(err), Message: err.Error(), Err: err}
	}
	return resp, nil
}

// errorType names an error's type as the Go Lambda runtime does in
// errorType: the type name without package or pointer.
func errorType(err error) string {
	t := reflect.TypeOf(err)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
