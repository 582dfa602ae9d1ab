package export

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
	"github.com/otlpfwd/otlpfwd/shared/record"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// withHeaders sets the passed headers of every record of ev.
func withHeaders(t *testing.T, ev *events.KinesisEvent, h map[string]string) {
	t.Helper()
	for j := range ev.Records {
		r, err := record.Unmarshal(ev.Records[j].Kinesis.Data)
		if err != nil {
			t.Fatal(err)
		}
		r.Headers = h
		ev.Records[j].Kinesis.Data = record.Marshal(nil, r)
	}
}

// A record header never overrides a configured one, whatever the case of
// its name: the collector always sees the configured tenant. (The route
// table refuses pass_headers that name a configured header, but records
// written under an older table, and dead letters redriven, still carry
// what they carry.) Passed
// headers the configuration does not set still go through. Run often
// enough that map order would show.
func TestConfiguredHeadersWinAnyCase(t *testing.T) {
	col := newCollector(t)
	c := route.Collector{Name: "m", Endpoint: col.URL, Headers: route.Headers{"X-Scope-OrgID": "tenant-a"},
		PassHeaders: []string{"x-request-source"}}
	hs := newHarness(t, table(t, c), Options{})
	ps := payloads(t, "envelope/v0.17.3-gzip1.jsonl")
	const runs = 40
	for i := 0; i < runs; i++ {
		ev := event(t, []string{"m"}, ps)
		withHeaders(t, &ev, map[string]string{"x-scope-orgid": "tenant-evil", "x-request-source": "app"})
		if resp, st, err := hs.h.Process(context.Background(), ev); err != nil || len(resp.BatchItemFailures) != 0 || st.Delivered != st.Items {
			t.Fatalf("run %d: err %v failures %v delivered %d of %d", i, err, resp.BatchItemFailures, st.Delivered, st.Items)
		}
	}
	reqs := col.received()
	if len(reqs) < runs {
		t.Fatalf("%d requests for %d runs", len(reqs), runs)
	}
	for _, r := range reqs {
		if got := r.headers.Values("X-Scope-Orgid"); len(got) != 1 || got[0] != "tenant-a" {
			t.Fatalf("collector saw X-Scope-OrgID %q, want only the configured tenant-a", got)
		}
		if got := r.headers.Get("X-Request-Source"); got != "app" {
			t.Fatalf("passed header X-Request-Source = %q, want app", got)
		}
	}

	// The redrive builds its requests the same way.
	refuse := newCollector(t, 400)
	bad := c
	bad.Endpoint = refuse.URL
	hb := newHarness(t, table(t, bad), Options{})
	if _, _, err := hb.h.Process(context.Background(), event(t, []string{"m"}, ps)); err != nil {
		t.Fatal(err)
	}
	msgs := hb.deadLetters(t)
	if len(msgs) == 0 {
		t.Fatal("no dead letter to redrive")
	}
	rs := NewResender(table(t, c), otlphttp.NewClient(otlphttp.Options{Timeout: time.Second}), fastRetry)
	before := len(col.received())
	for i := 0; i < runs; i++ {
		for _, m := range msgs {
			m.Headers = map[string]string{"x-scope-orgid": "tenant-evil"}
			if _, err := rs.Resend(context.Background(), m, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, r := range col.received()[before:] {
		if got := r.headers.Values("X-Scope-Orgid"); len(got) != 1 || got[0] != "tenant-a" {
			t.Fatalf("redrive: collector saw X-Scope-OrgID %q, want only the configured tenant-a", got)
		}
	}
}
