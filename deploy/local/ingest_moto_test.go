package local

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/ingest"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// TestIngestAgainstMoto: CloudWatch Logs PutLogEvents -> subscription ->
// raw stream -> ingest handler (real SDK clients, collectors from Secrets
// Manager) -> export stream, reading back exactly the items logged.
func TestIngestAgainstMoto(t *testing.T) {
	_, a := startMoto(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const group = "/aws/lambda/checkout-api"
	st, err := a.Provision(ctx, Spec{Name: "it", RawShards: 1, ExportShards: 2, LogGroups: []string{group},
		Collectors: []route.Collector{{Name: "main", Endpoint: "http://127.0.0.1:4318"}, {Name: "traces-only", Endpoint: "http://127.0.0.1:4319", Signals: route.Signals{1}}}})
	if err != nil {
		t.Fatal(err)
	}
	lines, want := fixtureLines(t, "envelope/v0.17.3-multi-service.jsonl", "envelope/metrics-protobuf-gzip.jsonl", "envelope/logs-json.jsonl", "envelope/old-json-string.jsonl")
	lines = append(lines, "START RequestId: 1 Version: $LATEST", "plain text line", `{"level":"info","msg":"json noise"}`)
	if err := a.PutLogLines(ctx, group, "2026/11/24/[$LATEST]abc", time.Now(), lines); err != nil {
		t.Fatal(err)
	}
	raw, err := a.ReadStream(ctx, st.RawStreamARN)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) == 0 {
		t.Fatal("the subscription delivered nothing to the raw stream")
	}
	env, err := a.LambdaEnv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env[ingest.EnvExportStream] = st.ExportStreamARN
	env[ingest.EnvDLQURL] = st.DLQURL
	env[route.EnvCollectorsSecretPrefix] = st.SecretPrefix
	h, err := ingest.FromEnv(ctx, envFunc(env), testOutput(t))
	if err != nil {
		t.Fatal(err)
	}
	resp, stats, err := h.Process(ctx, events.KinesisEvent{Records: raw})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("err %v failures %v", err, resp.BatchItemFailures)
	}
	if stats.SkippedLines != 3 || stats.Undecodable != 0 {
		t.Fatalf("stats %+v: want 3 skipped lines, nothing undecodable", stats)
	}
	out, err := a.ReadStream(ctx, st.ExportStreamARN)
	if err != nil {
		t.Fatal(err)
	}
	var data [][]byte
	shards := map[string]bool{}
	for _, r := range out {
		data = append(data, r.Kinesis.Data)
		shards[r.EventID[:len("shardId-000000000000")]] = true
	}
	ids := tier2IDs(t, data)
	if !slices.Equal(ids["main"], want) {
		t.Fatalf("export stream holds for main:\n%v\nwant\n%v", ids["main"], want)
	}
	var traces []string
	for _, id := range want {
		if !slices.Contains([]string{"met", "log"}, kindOf(id)) {
			traces = append(traces, id)
		}
	}
	if !slices.Equal(ids["traces-only"], traces) {
		t.Fatalf("traces-only got %v\nwant %v", ids["traces-only"], traces)
	}
}

// kindOf tells a fixture metric ("-m01") or log ("-l01") id from a span's.
func kindOf(id string) string {
	if n := len(id); n > 4 {
		switch id[n-4 : n-2] {
		case "-m":
			return "met"
		case "-l":
			return "log"
		}
	}
	return "span"
}
