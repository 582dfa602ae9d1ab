package fake

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	stypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// The fakes refuse what the services refuse, so a handler test cannot
// pass by writing what AWS would not take.
func TestKinesisRefusesWhatKinesisRefuses(t *testing.T) {
	entry := func(n int) ktypes.PutRecordsRequestEntry {
		return ktypes.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: make([]byte, n)}
	}
	for name, in := range map[string][]ktypes.PutRecordsRequestEntry{
		"record over 1 MiB": {entry(MaxRecordBytes)},
		"call over 5 MiB":   {entry(1<<20 - 1), entry(1<<20 - 1), entry(1<<20 - 1), entry(1<<20 - 1), entry(1<<20 - 1), entry(10)},
		"no partition key":  {{Data: []byte("x")}},
		"501 entries":       make([]ktypes.PutRecordsRequestEntry, 501),
	} {
		f := &Kinesis{}
		if _, err := f.PutRecords(context.Background(), &kinesis.PutRecordsInput{Records: in}); err == nil || !strings.Contains(err.Error(), "ValidationException") {
			t.Errorf("%s: error %v, want ValidationException", name, err)
		}
		if len(f.Written()) != 0 {
			t.Errorf("%s: %d entries written", name, len(f.Written()))
		}
	}
	f := &Kinesis{}
	if _, err := f.PutRecords(context.Background(), &kinesis.PutRecordsInput{Records: []ktypes.PutRecordsRequestEntry{entry(MaxRecordBytes - 1)}}); err != nil || len(f.Written()) != 1 {
		t.Fatalf("a record at the limit: %v", err)
	}
}

func TestSQSRefusesWhatSQSRefuses(t *testing.T) {
	f := &SQS{}
	out, err := f.SendMessageBatch(context.Background(), &sqs.SendMessageBatchInput{Entries: []stypes.SendMessageBatchRequestEntry{
		{Id: aws.String("ok"), MessageBody: aws.String("caf\u00e9 \ufffd \U0001F600")},
		{Id: aws.String("ffff"), MessageBody: aws.String("bad \uffff")},
		{Id: aws.String("nul"), MessageBody: aws.String("bad \x00")},
		{Id: aws.String("utf8"), MessageBody: aws.String("bad \xff")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 1 || len(out.Failed) != 3 || len(f.Bodies()) != 1 {
		t.Fatalf("successful %d failed %d: %+v", len(out.Successful), len(out.Failed), out.Failed)
	}
	for _, e := range out.Failed {
		if !e.SenderFault || aws.ToString(e.Code) != "InvalidMessageContents" {
			t.Fatalf("failed entry %+v", e)
		}
	}
	if _, err := f.SendMessageBatch(context.Background(), &sqs.SendMessageBatchInput{Entries: []stypes.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String(strings.Repeat("x", MaxBatchBytes))}, {Id: aws.String("b"), MessageBody: aws.String("x")},
	}}); err == nil {
		t.Fatal("a batch over 256 KiB was accepted")
	}
}
