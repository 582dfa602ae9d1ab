package ingest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// routes is a fixed table.
type routes struct{ t *route.Table }

func (r routes) Table(context.Context) (*route.Table, error) { return r.t, nil }

func table(t testing.TB, collectors ...route.Collector) routes {
	t.Helper()
	tb, err := route.NewTable(collectors)
	if err != nil {
		t.Fatal(err)
	}
	return routes{tb}
}

func collector(name string) route.Collector {
	return route.Collector{Name: name, Endpoint: "http://127.0.0.1:4318"}
}

// fixtureEvent is the Lambda Kinesis event from shared/testdata.
func fixtureEvent(t *testing.T) events.KinesisEvent {
	t.Helper()
	var ev events.KinesisEvent
	if err := json.Unmarshal(fixture.Read(t, "kinesis/event.json"), &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}
