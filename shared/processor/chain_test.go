package processor

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

func TestChainClassifies(t *testing.T) {
	sc := bufio.NewScanner(bytes.NewReader(fixture.Read(t, "envelope/v0.17.3-multi-service.jsonl")))
	sc.Buffer(nil, 1<<20)
	sc.Scan()
	good := sc.Text()
	tests := []struct {
		name    string
		msg     string
		outcome Outcome
		items   int
		errHas  string
	}{
		{"envelope", good, Decoded, 6, ""},
		{"noise", "START RequestId: 1 Version: $LATEST", Skipped, 0, ""},
		{"json noise", `{"level":"info","msg":"hello"}`, Skipped, 0, ""},
		{"damaged envelope", strings.Replace(good, `"payload":"H4sI`, `"payload":"!!!!`, 1), Undecodable, 0, "otlp-stdout"},
		{"valid envelope, invalid OTLP", `{"__otel_otlp_stdout":"0.17.3","source":"s","endpoint":"http://x/v1/traces","method":"POST","content-type":"application/x-protobuf","payload":"CgQKAgoA/w==","base64":true}`, Undecodable, 0, "invalid OTLP"},
	}
	chain := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := &Event{LogGroup: "/aws/lambda/x", Message: tt.msg}
			out, outcome, err := chain.Process(ev, nil)
			if outcome != tt.outcome {
				t.Fatalf("outcome %v (%v), want %v", outcome, err, tt.outcome)
			}
			if tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)) {
				t.Fatalf("error %v, want it to mention %q", err, tt.errHas)
			}
			n := 0
			for _, tel := range out {
				n += tel.Stats.Items
				if tel.Signal != otlp.Traces || tel.Processor != "otlp-stdout" {
					t.Fatalf("telemetry %+v", tel)
				}
			}
			if n != tt.items {
				t.Fatalf("%d items, want %d", n, tt.items)
			}
		})
	}
}

// TestChainPlainLogsOnlyUnclaimed: with plain logs asked for, a line that
// another processor claims (or that Lambda wrote) never also becomes a
// plain log; every other line does.
func TestChainPlainLogsOnlyUnclaimed(t *testing.T) {
	sc := bufio.NewScanner(bytes.NewReader(fixture.Read(t, "envelope/v0.17.3-multi-service.jsonl")))
	sc.Buffer(nil, 1<<20)
	sc.Scan()
	envelope := sc.Text()
	platform := cases(t, "lambda-platform.json")
	spans := cases(t, "aws-spans.json")
	plain := cases(t, "plain-logs.json")
	tests := []struct {
		name      string
		ev        *Event
		outcome   Outcome
		processor string
	}{
		{"envelope", plainEvent(envelope), Decoded, "otlp-stdout"},
		{"report text", plainEvent(platform["text-cold"]), Decoded, "lambda-platform"},
		{"report json", plainEvent(platform["json"]), Decoded, "lambda-platform"},
		{"span", &Event{LogGroup: SpansLogGroup, Message: spans["lambda-server"], PlainLogs: true}, Decoded, "aws-spans"},
		{"span in progress", &Event{LogGroup: SpansLogGroup, Message: spans["in-progress-no-end"], PlainLogs: true}, InProgress, ""},
		{"damaged span", &Event{LogGroup: SpansLogGroup, Message: "not a span", PlainLogs: true}, Undecodable, ""},
		{"start", plainEvent(plain["platform-start"]), Skipped, ""},
		{"json platform", plainEvent(plain["platform-json-start"]), Skipped, ""},
		{"text line", plainEvent(plain["node-text"]), Decoded, "plain-logs"},
		{"json line", plainEvent(plain["json-lambda"]), Decoded, "plain-logs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, outcome, err := Default().Process(tt.ev, nil)
			if outcome != tt.outcome {
				t.Fatalf("outcome %v (%v), want %v", outcome, err, tt.outcome)
			}
			for _, tel := range out {
				if tel.Processor != tt.processor || tel.PlainLogs != (tt.processor == "plain-logs") {
					t.Fatalf("telemetry from %s (plain %v), want only %s", tel.Processor, tel.PlainLogs, tt.processor)
				}
			}
			if (len(out) > 0) != (tt.processor != "") {
				t.Fatalf("%d requests", len(out))
			}
		})
	}
}
