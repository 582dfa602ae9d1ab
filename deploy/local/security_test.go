package local

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/deploy/svc/svctest"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/fixture/synth"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// TestSecurity runs ingest and export (real SDK clients, moto, the real
// collector) over records whose endpoint names another host and whose
// headers carry a token, with a collector that refuses its auth header:
//   - no request ever reaches the host a record names;
//   - only the configured collector receives the data;
//   - no auth header or secret value appears in any log line.
func TestSecurity(t *testing.T) {
	_, a := startMoto(t)
	col := svctest.Collector(t, false)
	var trapped atomic.Int64
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { trapped.Add(1) }))
	defer trap.Close()
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A collector that echoes what it was sent, as some do in errors.
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, "bad token: "+r.Header.Get("Authorization"))
	}))
	defer refusing.Close()
	const (
		collectorSecret = "Bearer collector-s3cr3t-0123456789"
		recordSecret    = "Bearer app-s3cr3t-9876543210"
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const group = "/aws/lambda/secure-app"
	st, err := a.Provision(ctx, Spec{Name: "sec", RawShards: 1, ExportShards: 1, LogGroups: []string{group}, Collectors: []route.Collector{
		{Name: "good", Endpoint: col.Endpoint(), Headers: route.Headers{"authorization": collectorSecret}},
		{Name: "refusing", Endpoint: refusing.URL, Headers: route.Headers{"authorization": collectorSecret, "x-api-key": "key-s3cr3t-555"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	raw := synth.TraceRequest("secure-app", "sec", 5, 2)
	line, err := otlpstdout.Encode(nil, otlp.Traces, raw, 6, otlpstdout.Meta{Source: "secure-app", Endpoint: trap.URL + "/v1/traces",
		Headers: []otlpstdout.Header{{Name: "authorization", Value: recordSecret}}})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	recs := throughIngest(t, ctx, a, st, group, []string{strings.TrimSpace(string(line))}, &logs)
	exportShards(t, a, st, recs, 10*time.Second, &logs)

	if n := trapped.Load(); n != 0 {
		t.Fatalf("%d requests reached the host named inside the record", n)
	}
	want, _ := fixture.TestIDs(otlp.Traces, raw)
	slices.Sort(want)
	if got := svctest.CollectorIDs(t, col); !slices.Equal(got, want) {
		t.Fatalf("configured collector got %v, want %v", got, want)
	}
	if !strings.Contains(logs.String(), `"collector":"refusing"`) && !strings.Contains(logs.String(), "refusing") {
		t.Fatalf("the refusing collector left no log line; the test would prove nothing:\n%s", logs.String())
	}
	for _, secret := range []string{"s3cr3t", "collector-s3cr3t", "app-s3cr3t", "key-s3cr3t"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("a log line carries %q:\n%s", secret, logs.String())
		}
	}
	// The dead letter for the refusing collector names the status, without
	// the echoed token either.
	var dead []string
	for _, m := range drainDLQ(t, ctx, a, st.DLQURL) {
		if m.Collector != "refusing" || m.Status != 401 {
			t.Fatalf("dead letter %s/%d", m.Collector, m.Status)
		}
		dead = append(dead, letterIDs(t, m)...)
		if strings.Contains(m.BodyExcerpt+m.Error, "s3cr3t") || len(m.Headers) != 0 {
			t.Fatalf("dead letter carries a secret: %q %q %v", m.Error, m.BodyExcerpt, m.Headers)
		}
	}
	slices.Sort(dead)
	if !slices.Equal(dead, want) {
		t.Fatalf("the refusing collector's dead letters hold %v, want every span %v", dead, want)
	}
}
