package otlp

import (
	"fmt"

	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// NewRequest returns an empty Export*ServiceRequest for the signal.
func NewRequest(sig Signal) (proto.Message, error) {
	switch sig {
	case Traces:
		return new(coltrace.ExportTraceServiceRequest), nil
	case Metrics:
		return new(colmetrics.ExportMetricsServiceRequest), nil
	case Logs:
		return new(collogs.ExportLogsServiceRequest), nil
	}
	return nil, fmt.Errorf("unknown signal %v", sig)
}

// Decode fully decodes a serialized export request of the signal into its
// Go protobuf message. It is the slow path: the forwarding path uses Scan,
// Enrich and Merge on the bytes instead.
func Decode(sig Signal, b []byte) (proto.Message, error) {
	m, err := NewRequest(sig)
	if err != nil {
		return nil, err
	}
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("decode %s request: %w", sig, err)
	}
	return m, nil
}
