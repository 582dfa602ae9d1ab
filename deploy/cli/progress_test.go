package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/otlpfwd/otlpfwd/deploy/dlqops"
)

func TestProgress(t *testing.T) {
	events := []dlqops.Event{
		{Outcome: dlqops.Redriven, MessageIDs: []string{"m1"}, Collector: "c", Signal: "traces", Reason: "permanent", Items: 3},
		{Outcome: dlqops.Failed, MessageIDs: []string{"m2", "m3"}, Collector: "c", Signal: "logs", Reason: "circuit_open", Items: 2, Why: "collector c: HTTP 400 Bad Request"},
	}
	var plain bytes.Buffer
	p := newProgress(&plain, false, 2)
	for _, ev := range events {
		p.event(ev)
	}
	p.done()
	want := "redriven         m1 collector=c signal=traces reason=permanent items=3\n" +
		"failed           m2,m3 collector=c signal=logs reason=circuit_open items=2: collector c: HTTP 400 Bad Request\n"
	if plain.String() != want {
		t.Errorf("plain lines:\n%s\nwant:\n%s", plain.String(), want)
	}

	var tty bytes.Buffer
	p = newProgress(&tty, true, 2)
	for _, ev := range events {
		p.event(ev)
	}
	p.done()
	if !strings.Contains(tty.String(), "redrive") || !strings.Contains(tty.String(), "failed: collector c: HTTP 400 Bad Request") {
		t.Errorf("bar output %q", tty.String())
	}
}
