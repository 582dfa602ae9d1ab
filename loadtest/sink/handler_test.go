package sink

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/fixture/synth"
)

func TestHandler(t *testing.T) {
	a := synth.TraceRequest("svc", "a", 100, 6)
	b := synth.TraceRequest("svc", "b", 7, 6)
	// Two gzip members: one request holding both, as passthrough sends.
	twoMembers := compress.Gzip(compress.Gzip(nil, a, 6), b, 6)
	zst, err := compress.Zstd(nil, a)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, ct, enc string
		body                []byte
		status              int
		items               int64
	}{
		{"plain", "/v1/traces", "application/x-protobuf", "", a, 200, 100},
		{"gzip members", "/v1/traces", "application/x-protobuf", "gzip", twoMembers, 200, 107},
		{"zstd", "/v1/traces", "application/x-protobuf", "zstd", zst, 200, 100},
		{"corrupt gzip", "/v1/traces", "application/x-protobuf", "gzip", twoMembers[:40], 400, 0},
		{"bad protobuf", "/v1/traces", "application/x-protobuf", "", []byte{0xff, 0xff}, 400, 0},
		{"json", "/v1/traces", "application/json", "", []byte("{}"), 415, 0},
		{"unknown path", "/v2/traces", "application/x-protobuf", "", a, 404, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &Handler{}
			srv := httptest.NewServer(h)
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+tt.path, bytes.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.ct)
			if tt.enc != "" {
				req.Header.Set("Content-Encoding", tt.enc)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			st, err := Get(context.Background(), http.DefaultClient, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if st.Items != tt.items || (tt.status != 200) != (st.Rejected == 1) {
				t.Fatalf("stats %+v, want %d items", st, tt.items)
			}
			if tt.status == 200 && resp.Header.Get("Content-Type") != "application/x-protobuf" {
				t.Errorf("content type %q", resp.Header.Get("Content-Type"))
			}
		})
	}
}
