package esm

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// Invoker runs the function with one batch. A nil error means the function
// ran and returned resp (which the mapping reads only with
// ReportBatchItemFailures). A *NotInvokedError means the batch never reached
// the function. Any other error is a function error: the whole batch failed.
type Invoker interface {
	Invoke(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error)
}

// FunctionError is an invocation that failed inside the function: the
// handler returned an error, panicked, or timed out.
type FunctionError struct {
	// Type is Lambda's errorType, e.g. "errorString" or "Sandbox.Timedout".
	Type string
	// Message is Lambda's errorMessage.
	Message string
	// Err is the handler's own error when it ran in process.
	Err error
}

func (e *FunctionError) Error() string {
	if e.Type == "" {
		return "function error: " + e.Message
	}
	return fmt.Sprintf("function error %s: %s", e.Type, e.Message)
}

func (e *FunctionError) Unwrap() error { return e.Err }

// NotInvokedError is an invocation that did not reach the function (a
// throttle, a service or transport error). Lambda retries such batches until
// their records expire, without counting retries and without bisecting.
type NotInvokedError struct {
	Err error
}

func (e *NotInvokedError) Error() string { return "function not invoked: " + e.Err.Error() }

func (e *NotInvokedError) Unwrap() error { return e.Err }

func isNotInvoked(err error) bool {
	var ni *NotInvokedError
	return errors.As(err, &ni)
}
