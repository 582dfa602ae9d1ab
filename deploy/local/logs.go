package local

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// PutLogLines writes lines to a log stream of logGroup (created if absent)
// with PutLogEvents, as the Lambda service does for a function's stdout:
// one call per batch of at most 10,000 events or ~1 MB.
func (a *AWS) PutLogLines(ctx context.Context, logGroup, logStream string, at time.Time, lines []string) error {
	_, err := a.Logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(logGroup), LogStreamName: aws.String(logStream)})
	var exists *logtypes.ResourceAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create log stream %s %s: %w", logGroup, logStream, err)
	}
	var batch []logtypes.InputLogEvent
	size := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := a.Logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(logGroup), LogStreamName: aws.String(logStream), LogEvents: batch})
		batch, size = nil, 0
		if err != nil {
			return fmt.Errorf("put log events to %s: %w", logGroup, err)
		}
		return nil
	}
	ts := at.UnixMilli()
	for _, l := range lines {
		n := len(l) + 26
		if len(batch) == 10000 || size+n > 1_000_000 {
			if err := flush(); err != nil {
				return err
			}
		}
		batch = append(batch, logtypes.InputLogEvent{Message: aws.String(l), Timestamp: aws.Int64(ts)})
		size += n
	}
	return flush()
}
