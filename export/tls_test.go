package export

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/aws/fake"
	"github.com/otlpfwd/otlpfwd/shared/aws/queue"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
)

// TLS verification stays on for a collector with insecure_skip_verify
// unless the function allows it explicitly; both cases are logged.
func TestInsecureSkipVerifyNeedsTheExplicitFlag(t *testing.T) {
	col := newCollector(t)
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(col.serve)) // self-signed
	t.Cleanup(tlsSrv.Close)
	ps := payloads(t, "envelope/v0.17.3-gzip4.jsonl")
	c := coll("selfsigned", tlsSrv.URL)
	c.InsecureSkipVerify = true
	for _, allowed := range []bool{false, true} {
		var logs bytes.Buffer
		logger := slog.New(slog.NewJSONHandler(&logs, nil))
		q := &fake.SQS{}
		opts := Options{Retry: fastRetry, Margin: 100 * time.Millisecond, Logger: logger}
		if allowed {
			opts.Insecure = otlphttp.NewClient(otlphttp.Options{InsecureSkipVerify: true, Logger: logger})
		}
		h, err := New(table(t, c), otlphttp.NewClient(otlphttp.Options{}), queue.NewWriter(q, "q", queue.Options{}), opts)
		if err != nil {
			t.Fatal(err)
		}
		before := len(col.got(otlp.Traces))
		if _, _, err := h.Process(context.Background(), event(t, []string{"selfsigned"}, ps)); err != nil {
			t.Fatal(err)
		}
		got := len(col.got(otlp.Traces)) - before
		if !allowed {
			if got != 0 || len(q.Bodies()) == 0 {
				t.Fatalf("not allowed: %d spans delivered, %d dead letters; want none delivered", got, len(q.Bodies()))
			}
			m, _ := dlq.Parse(q.Bodies()[0])
			if !strings.Contains(m.Error, "certificate") {
				t.Fatalf("dead letter error %q does not name the certificate", m.Error)
			}
			if !strings.Contains(logs.String(), "insecure_skip_verify") {
				t.Fatalf("no warning logged: %s", logs.String())
			}
			continue
		}
		if got != len(allIDs(ps, otlp.Traces)) || !strings.Contains(logs.String(), `"level":"WARN"`) {
			t.Fatalf("allowed: %d spans delivered; logs %s", got, logs.String())
		}
	}
}
