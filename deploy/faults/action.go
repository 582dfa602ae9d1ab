package faults

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Action is what a rule does to a request: Forward, Respond (and AWSError),
// Delay, Reset, Refuse or KinesisPartialFailure.
type Action interface {
	fmt.Stringer
	serve(x *exchange)
	validate() error
}

// Forward sends the request to the target unchanged. A rule with it lets a
// request through before later rules, and counts it.
type Forward struct{}

func (Forward) String() string    { return "forward" }
func (Forward) validate() error   { return nil }
func (Forward) serve(x *exchange) { x.forward() }

// Respond answers the client itself.
type Respond struct {
	// Status is the status code. Zero: 503.
	Status int
	// Body is the response body. Zero: empty.
	Body string
	// ContentType is the Content-Type of a non-empty Body. Zero:
	// "text/plain; charset=utf-8".
	ContentType string
	// RetryAfter is the Retry-After header: seconds ("2") or an HTTP date
	// (time.Time.UTC().Format(http.TimeFormat)). Zero: no header. (The AWS
	// SDK ignores Retry-After; it reads X-Amz-Retry-After, in milliseconds,
	// which Header can carry.)
	RetryAfter string
	// Header holds more response headers. Nil: none.
	Header http.Header
	// Delay is how long to wait before answering (after forwarding, with
	// Forward). If the client gives up first, it gets nothing.
	Delay time.Duration
	// Forward sends the request to the target first and throws its answer
	// away: the target has processed the request, but the client sees a
	// failure, so a retry duplicates the data. If forwarding fails the
	// client still gets this answer.
	Forward bool

	awsType bool // Content-Type follows the request's AWS JSON protocol
}

func (a Respond) status() int {
	if a.Status == 0 {
		return http.StatusServiceUnavailable
	}
	return a.Status
}

func (a Respond) String() string {
	s := "respond " + strconv.Itoa(a.status())
	if a.Forward {
		s = "forward then " + s
	}
	return s
}

func (a Respond) validate() error {
	var errs []error
	if a.Status != 0 && (a.Status < 200 || a.Status > 599) {
		errs = append(errs, fmt.Errorf("status %d is not a final HTTP status", a.Status))
	}
	if a.Delay < 0 {
		errs = append(errs, fmt.Errorf("delay %v is negative", a.Delay))
	}
	if a.RetryAfter != "" && !validRetryAfter(a.RetryAfter) {
		errs = append(errs, fmt.Errorf("Retry-After %q is neither seconds nor an HTTP date", a.RetryAfter))
	}
	return errors.Join(errs...)
}

func validRetryAfter(v string) bool {
	if n, err := strconv.Atoi(v); err == nil {
		return n >= 0
	}
	_, err := http.ParseTime(v)
	return err == nil
}

func (a Respond) serve(x *exchange) {
	if a.Forward {
		if resp, err := x.roundTrip(nil); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	if !x.wait(a.Delay) {
		return
	}
	x.respond(a)
}

func (x *exchange) respond(a Respond) {
	h := x.w.Header()
	for k, v := range a.Header {
		h[k] = append([]string(nil), v...)
	}
	if a.RetryAfter != "" {
		h.Set("Retry-After", a.RetryAfter)
	}
	if a.Body != "" && h.Get("Content-Type") == "" {
		ct := a.ContentType
		if ct == "" && a.awsType {
			ct = "application/x-amz-json-1.1"
			if rt := x.r.Header.Get("Content-Type"); strings.HasPrefix(rt, "application/x-amz-json-") {
				ct = rt
			}
		}
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		h.Set("Content-Type", ct)
	}
	h.Set("Content-Length", strconv.Itoa(len(a.Body)))
	x.w.WriteHeader(a.status())
	_, _ = io.WriteString(x.w, a.Body)
}

// AWSError is an AWS JSON protocol error answer, as Kinesis or SQS give it:
// status with the body {"__type":code,"message":message}, the
// X-Amzn-ErrorType header, and the request's Content-Type
// (application/x-amz-json-1.1 for Kinesis, 1.0 for SQS). For example
// AWSError(503, "ServiceUnavailable", "try later") or AWSError(400,
// "ThrottlingException", "Rate exceeded"). Set its Delay, Forward or Header
// as for any Respond.
func AWSError(status int, code, message string) Respond {
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{code, message})
	return Respond{
		Status:  status,
		Body:    string(body),
		Header:  http.Header{"X-Amzn-Errortype": {code}},
		awsType: true,
	}
}

// Delay makes a slow target: it waits, then forwards. If the client gives up
// during the wait, nothing is forwarded.
type Delay struct {
	// Duration is how long to wait.
	Duration time.Duration
	// AfterResponse forwards at once and holds back the target's answer for
	// Duration instead: the target has processed the request, and a client
	// whose deadline passes meanwhile sees a timeout (the duplicate-
	// producing case).
	AfterResponse bool
}

func (a Delay) String() string {
	if a.AfterResponse {
		return "forward then delay " + a.Duration.String()
	}
	return "delay " + a.Duration.String() + " then forward"
}

func (a Delay) validate() error {
	if a.Duration < 0 {
		return fmt.Errorf("delay %v is negative", a.Duration)
	}
	return nil
}

func (a Delay) serve(x *exchange) {
	if !a.AfterResponse {
		if x.wait(a.Duration) {
			x.forward()
		}
		return
	}
	resp, err := x.roundTrip(nil)
	if err != nil {
		x.w.WriteHeader(http.StatusBadGateway)
		return
	}
	if !x.wait(a.Duration) {
		resp.Body.Close()
		return
	}
	x.copyResponse(resp)
}
