// Command floor is the least a Go Lambda bootstrap can be: aws-lambda-go's
// runtime loop around a handler that decodes the Kinesis event and answers
// with no failures. The cold-start measurement builds it like the real
// bootstraps, as the floor their size and start time compare to.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(_ context.Context, _ events.KinesisEvent) (events.KinesisEventResponse, error) {
		return events.KinesisEventResponse{}, nil
	})
}
