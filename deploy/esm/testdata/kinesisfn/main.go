// Command kinesisfn is a test Lambda for package esm's emulator tests. Each
// record's data picks what happens to the batch: "fail" fails it with an
// error, "sleep" outlives any short timeout, "partial" reports the record in
// batchItemFailures; anything else succeeds.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	var resp events.KinesisEventResponse
	for _, r := range ev.Records {
		switch string(r.Kinesis.Data) {
		case "fail":
			return resp, fmt.Errorf("poison record %s", r.EventID)
		case "sleep":
			time.Sleep(time.Minute) // ignores ctx on purpose, like a stuck handler
		case "partial":
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: r.Kinesis.SequenceNumber})
		}
	}
	return resp, nil
}

func main() { lambda.Start(handle) }
