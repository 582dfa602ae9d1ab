// Command lambdafn is a test Lambda for package svc's emulator tests. The
// event's "action" picks what it does: "echo" returns the message with what
// the function sees of its environment, "error" fails with the message, and
// "sleep" outlives any short timeout.
package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Action  string `json:"action"`
	Message string `json:"message"`
}

type echo struct {
	Message     string `json:"message"`
	AccessKeyID string `json:"access_key_id"`
	Region      string `json:"region"`
	EndpointURL string `json:"endpoint_url"`
	MemoryMB    int    `json:"memory_mb"`
	DeadlineMS  int64  `json:"deadline_ms"` // time left at the start
}

func handle(ctx context.Context, e event) (echo, error) {
	switch e.Action {
	case "echo":
		deadline, _ := ctx.Deadline()
		return echo{
			Message:     e.Message,
			AccessKeyID: os.Getenv("AWS_ACCESS_KEY_ID"),
			Region:      os.Getenv("AWS_REGION"),
			EndpointURL: os.Getenv("AWS_ENDPOINT_URL"),
			MemoryMB:    lambdacontext.MemoryLimitInMB,
			DeadlineMS:  time.Until(deadline).Milliseconds(),
		}, nil
	case "error":
		return echo{}, errors.New(e.Message)
	case "sleep":
		time.Sleep(time.Minute) // ignores ctx on purpose, like a stuck handler
		return echo{}, nil
	}
	return echo{}, errors.New("unknown action " + e.Action)
}

func main() { lambda.Start(handle) }
