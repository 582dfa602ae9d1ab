package peakmem

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/otlpfwd/otlpfwd/shared/aws/stream"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/record"
)

// TestKinesis drives the fake with the real SDK client through the
// project's stream writer.
func TestKinesis(t *testing.T) {
	fake := &Kinesis{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	w := stream.NewWriter(kinesis.NewFromConfig(cfg), "otlpfwd-export", stream.Options{})
	var entries []stream.Entry
	for i := range 3 {
		r := record.Record{Collector: "main", Signal: otlp.Traces, Items: []record.Item{{Payload: []byte("x"), Items: 10 + i}}}
		entries = append(entries, stream.Entry{Data: record.Marshal(nil, &r), PartitionKey: "main/traces/0"})
	}
	res := w.Put(context.Background(), entries)
	for i, err := range res.Errs {
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	c := fake.Counts()
	if c.Calls != 1 || c.Records != 3 || c.Items != 33 || len(c.Bad) != 0 {
		t.Fatalf("counts %+v", c)
	}
	// Any other call is refused and noted.
	if _, err := sqs.NewFromConfig(cfg).SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(srv.URL + "/q"), MessageBody: aws.String("x")}); err == nil {
		t.Fatal("the fake accepted an SQS call")
	}
	if c := fake.Counts(); len(c.Bad) != 1 {
		t.Fatalf("bad calls %q", c.Bad)
	}
}
