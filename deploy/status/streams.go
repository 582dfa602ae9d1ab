package status

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// stream describes one stream; a failure becomes a note.
func (c *checker) stream(ctx context.Context, role, name, consumer string) Stream {
	s := Stream{Role: role, Name: name, Consumer: consumer}
	out, err := c.cl.Streams.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
	if err != nil {
		c.note("%s stream %s: %v", role, name, err)
		return s
	}
	d := out.StreamDescriptionSummary
	s.Status = string(d.StreamStatus)
	s.OpenShards = int(aws.ToInt32(d.OpenShardCount))
	s.RetentionHours = int(aws.ToInt32(d.RetentionPeriodHours))
	s.Encryption = string(d.EncryptionType)
	if consumer != "" && c.cl.Mappings != nil {
		s.Mappings, s.mappingsRead = c.mappings(ctx, consumer, aws.ToString(d.StreamARN))
	}
	return s
}

// mappings lists the consumer's event source mappings on the stream; ok
// is false when they could not be read.
func (c *checker) mappings(ctx context.Context, function, streamARN string) (out []Mapping, ok bool) {
	var marker *string
	for {
		res, err := c.cl.Mappings.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String(function), Marker: marker})
		if err != nil {
			c.note("event source mappings of %s: %v", function, err)
			return out, false
		}
		for _, m := range res.EventSourceMappings {
			if streamARN != "" && aws.ToString(m.EventSourceArn) != streamARN {
				continue
			}
			out = append(out, Mapping{UUID: aws.ToString(m.UUID), State: aws.ToString(m.State),
				LastResult: aws.ToString(m.LastProcessingResult), Reason: aws.ToString(m.StateTransitionReason)})
		}
		if marker = res.NextMarker; marker == nil || *marker == "" {
			return out, true
		}
	}
}

// describe formats a lag for people.
func describeMs(ms float64) string {
	switch {
	case ms < 1000:
		return fmt.Sprintf("%.0fms", ms)
	case ms < 120000:
		return fmt.Sprintf("%.1fs", ms/1000)
	case ms < 2*3600*1000:
		return fmt.Sprintf("%.1fm", ms/60000)
	}
	return fmt.Sprintf("%.1fh", ms/3600000)
}
