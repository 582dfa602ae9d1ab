package export

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/route"
)

// OTLPFWD_DLQ_MAX_MESSAGE_BYTES above SQS's 1 MiB maximum is a
// configuration error that names the variable and the bound; 1 MiB itself
// is taken.
func TestFromEnvDLQMaxMessageBytes(t *testing.T) {
	base := map[string]string{
		EnvDLQURL:               "https://sqs.eu-west-1.amazonaws.com/123456789012/otlpfwd-dlq",
		"AWS_REGION":            "eu-west-1",
		"AWS_ACCESS_KEY_ID":     "test-key-id",
		"AWS_SECRET_ACCESS_KEY": "test-secret",
		route.EnvCollectors:     `[{"name": "c", "endpoint": "http://127.0.0.1:4318"}]`,
	}
	fromEnv := func(size int) (*Handler, error) {
		env := map[string]string{EnvDLQMaxMessageSize: strconv.Itoa(size)}
		for k, v := range base {
			env[k] = v
		}
		return FromEnv(context.Background(), func(k string) string { return env[k] }, io.Discard)
	}
	for _, size := range []int{MaxDLQMessageBytes + 1, 2 << 20} {
		_, err := fromEnv(size)
		if err == nil || !strings.Contains(err.Error(), EnvDLQMaxMessageSize) || !strings.Contains(err.Error(), "1048576") {
			t.Fatalf("%s=%d: error %v, want it refused with the 1 MiB bound named", EnvDLQMaxMessageSize, size, err)
		}
	}
	h, err := fromEnv(MaxDLQMessageBytes)
	if err != nil {
		t.Fatalf("%s=%d: %v", EnvDLQMaxMessageSize, MaxDLQMessageBytes, err)
	}
	if h.opts.DLQMaxMessageBytes != MaxDLQMessageBytes {
		t.Fatalf("DLQ message size %d, want %d", h.opts.DLQMaxMessageBytes, MaxDLQMessageBytes)
	}
	if _, err := New(table(t), h.send, h.dlq, Options{DLQMaxMessageBytes: MaxDLQMessageBytes + 1}); err == nil {
		t.Fatal("New took a DLQ message size above 1 MiB")
	}
}
