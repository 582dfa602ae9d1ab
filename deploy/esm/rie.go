package esm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// maxResponseBytes is Lambda's synchronous response payload limit.
const maxResponseBytes = MaxPayloadBytes

// RIEInvoker invokes the one function of a Lambda Runtime Interface Emulator
// over HTTP. The emulator crashes when two invocations overlap, so an
// RIEInvoker runs one at a time; use a Pool over several emulators for
// concurrency.
//
// The emulator answers HTTP 200 to everything: the function's JSON result on
// success, {"errorMessage","errorType"} when the handler failed, and the
// plain text "Task timed out after N.NN seconds" on a timeout. The latter two
// become *FunctionError; a transport error or another status becomes
// *NotInvokedError.
type RIEInvoker struct {
	url    string
	client *http.Client
	turn   chan struct{} // holds a token while an invocation is in flight
}

var _ Invoker = (*RIEInvoker)(nil)

// NewRIEInvoker returns an invoker posting to invokeURL (svc.RIE.InvokeURL).
// A nil client uses a client of its own without timeout: the emulator
// enforces the function timeout.
func NewRIEInvoker(invokeURL string, client *http.Client) *RIEInvoker {
	if client == nil {
		client = &http.Client{}
	}
	return &RIEInvoker{url: invokeURL, client: client, turn: make(chan struct{}, 1)}
}

// Invoke posts ev and reads the emulator's answer.
func (r *RIEInvoker) Invoke(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return events.KinesisEventResponse{}, &NotInvokedError{Err: fmt.Errorf("encode event: %w", err)}
	}
	select {
	case r.turn <- struct{}{}:
		defer func() { <-r.turn }()
	case <-ctx.Done():
		return events.KinesisEventResponse{}, &NotInvokedError{Err: ctx.Err()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(payload))
	if err != nil {
		return events.KinesisEventResponse{}, &NotInvokedError{Err: fmt.Errorf("invoke %s: %w", r.url, err)}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return events.KinesisEventResponse{}, &NotInvokedError{Err: fmt.Errorf("invoke %s: %w", r.url, err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return events.KinesisEventResponse{}, &NotInvokedError{Err: fmt.Errorf("invoke %s: read answer: %w", r.url, err)}
	}
	if resp.StatusCode != http.StatusOK {
		return events.KinesisEventResponse{}, &NotInvokedError{Err: fmt.Errorf("invoke %s: %s: %s", r.url, resp.Status, excerpt(body))}
	}
	if len(body) > maxResponseBytes {
		_, _ = io.Copy(io.Discard, resp.Body)
		return events.KinesisEventResponse{}, &FunctionError{Type: "Function.ResponseSizeTooLarge", Message: fmt.Sprintf("response payload over %d bytes", maxResponseBytes)}
	}
	return parseResult(body)
}

var timedOut = []byte("Task timed out after")

// parseResult reads a function's result as the Lambda service does.
func parseResult(body []byte) (events.KinesisEventResponse, error) {
	b := bytes.TrimSpace(body)
	if bytes.HasPrefix(b, timedOut) {
		return events.KinesisEventResponse{}, &FunctionError{Type: "Sandbox.Timedout", Message: string(b)}
	}
	if len(b) == 0 || b[0] != '{' {
		// null, or a result that is not an object: no batch item failures,
		// a complete success (as an empty or null response is).
		if len(b) > 0 && !json.Valid(b) {
			return events.KinesisEventResponse{}, &FunctionError{Type: "Runtime.InvalidResponse", Message: "invalid JSON result: " + excerpt(b)}
		}
		return events.KinesisEventResponse{}, nil
	}
	var probe struct {
		ErrorMessage *string `json:"errorMessage"`
		ErrorType    *string `json:"errorType"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return events.KinesisEventResponse{}, &FunctionError{Type: "Runtime.InvalidResponse", Message: "invalid JSON result: " + excerpt(b)}
	}
	if probe.ErrorMessage != nil || probe.ErrorType != nil {
		fe := &FunctionError{}
		if probe.ErrorType != nil {
			fe.Type = *probe.ErrorType
		}
		if probe.ErrorMessage != nil {
			fe.Message = *probe.ErrorMessage
		}
		return events.KinesisEventResponse{}, fe
	}
	var resp events.KinesisEventResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		// batchItemFailures of the wrong shape: an item without a usable
		// itemIdentifier, which fails the batch with ReportBatchItemFailures
		// and is ignored without, as Lambda does.
		return events.KinesisEventResponse{BatchItemFailures: []events.KinesisBatchItemFailure{{}}}, nil
	}
	return resp, nil
}

// excerpt shortens a body for an error message.
func excerpt(b []byte) string {
	const max = 256
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
