package sink

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/fixture/synth"
)

// The test binary doubles as the sink process.
func TestMain(m *testing.M) {
	if os.Getenv("OTLPFWD_TEST_SINK") == "1" {
		if err := Main("127.0.0.1:0", os.Stdout); err != nil {
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

func TestProcess(t *testing.T) {
	t.Setenv("OTLPFWD_TEST_SINK", "1")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := Start(ctx, os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	body := compress.Gzip(nil, synth.TraceRequest("svc", "t", 10, 6), 6)
	req, _ := http.NewRequest(http.MethodPost, p.URL+"/v1/traces", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("post: %v %v", resp, err)
	}
	resp.Body.Close()
	st, err := p.WaitItems(ctx, 10)
	if err != nil || st.Requests != 1 || st.WireBytes != int64(len(body)) {
		t.Fatalf("stats %+v, %v", st, err)
	}
}
