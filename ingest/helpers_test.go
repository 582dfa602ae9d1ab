package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/cwlogs"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

type brokenRoutes struct{}

func (brokenRoutes) Table(context.Context) (*route.Table, error) {
	return nil, errors.New("secrets manager unreachable")
}

func otlpSignal(t *testing.T, name string) otlp.Signal {
	t.Helper()
	s, err := otlp.ParseSignal(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func kinesisRecord(seq string, data []byte) events.KinesisEventRecord {
	return events.KinesisEventRecord{
		AwsRegion: "us-east-1", EventID: "shardId-000000000003:" + seq, EventSource: "aws:kinesis",
		EventSourceArn: "arn:aws:kinesis:us-east-1:123456789012:stream/raw",
		Kinesis:        events.KinesisRecord{SequenceNumber: seq, Data: data, PartitionKey: "pk"},
	}
}

// eventOf wraps log lines as one subscription payload in one record.
func eventOf(t *testing.T, logGroup string, lines ...string) events.KinesisEvent {
	t.Helper()
	p := cwlogs.Payload{MessageType: cwlogs.DataMessage, Owner: "123456789012", LogGroup: logGroup, LogStream: "s"}
	for i, l := range lines {
		p.LogEvents = append(p.LogEvents, cwlogs.LogEvent{ID: cwlogs.EventID(string(rune('1' + i))), Timestamp: time.Now().UnixMilli(), Message: l})
	}
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return events.KinesisEvent{Records: []events.KinesisEventRecord{kinesisRecord("100", compress.Gzip(nil, js, 6))}}
}

// bySignal counts the tier-2 records and the items they carry per signal.
func bySignal(t *testing.T, recs []*record.Record) (records, items map[otlp.Signal]int) {
	t.Helper()
	records, items = map[otlp.Signal]int{}, map[otlp.Signal]int{}
	for _, r := range recs {
		records[r.Signal]++
		for _, it := range r.Items {
			items[r.Signal] += it.Items
		}
	}
	return records, items
}

// reportLines counts the REPORT lines of the decodable records of ev and
// the data points lambda-platform makes of them: duration, billed
// duration, memory size and max memory used, and init duration when given.
func reportLines(t *testing.T, ev events.KinesisEvent) (lines, points int) {
	t.Helper()
	for _, r := range ev.Records {
		p, _, err := cwlogs.Decode(r.Kinesis.Data, nil, cwlogs.Options{})
		if err != nil {
			continue
		}
		for _, le := range p.LogEvents {
			if strings.HasPrefix(le.Message, "REPORT RequestId: ") {
				lines++
				points += 4
				if strings.Contains(le.Message, "Init Duration: ") {
					points++
				}
			}
		}
	}
	return lines, points
}
