package svc

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

func TestMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto_server")
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	start := time.Now()
	m, err := StartMoto(ctx, Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Stop() })
	t.Logf("moto ready in %v at %s (pid %d)", time.Since(start), m.URL(), m.PID())

	client := kinesis.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(m.URL()),
	})
	if _, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{
		StreamName: aws.String("spans"),
		ShardCount: aws.Int32(1),
	}); err != nil {
		t.Fatalf("CreateStream: %v (log %s)", err, m.LogPath())
	}
	streams := func() []string {
		t.Helper()
		out, err := client.ListStreams(ctx, &kinesis.ListStreamsInput{})
		if err != nil {
			t.Fatalf("ListStreams: %v", err)
		}
		return out.StreamNames
	}
	if got := streams(); !slices.Equal(got, []string{"spans"}) {
		t.Fatalf("streams after CreateStream = %q, want [spans]", got)
	}

	if err := m.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if got := streams(); len(got) != 0 {
		t.Fatalf("streams after Reset = %q, want none", got)
	}

	assertStopped(t, m.PID(), m.Stop)
}

func TestStartMotoNeedsDir(t *testing.T) {
	if _, err := StartMoto(t.Context(), Options{}); err == nil {
		t.Fatal("StartMoto without Dir succeeded")
	}
}
