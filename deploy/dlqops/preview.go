package dlqops

import (
	"sort"
	"time"
	"unicode/utf8"

	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	metricspb "go.opentelemetry.io/proto/slim/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/slim/otlp/resource/v1"

	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// Preview is what one dead letter holds, decoded, without its data.
type Preview struct {
	// MessageIDs are the SQS messages it came in (several for a payload
	// cut into chunks).
	MessageIDs []string   `json:"message_ids"`
	SentAt     time.Time  `json:"sent_at"`
	Receives   int        `json:"receive_count"`
	Reason     dlq.Reason `json:"reason"`
	Collector  string     `json:"collector,omitempty"`
	Signal     string     `json:"signal,omitempty"`
	// Status is the collector's last HTTP status (0: none, e.g. a network
	// error or an open circuit).
	Status       int        `json:"status,omitempty"`
	Error        string     `json:"error"`
	BodyExcerpt  string     `json:"body_excerpt,omitempty"`
	Attempts     int        `json:"attempts,omitempty"`
	FirstFailure time.Time  `json:"first_failure"`
	LastFailure  time.Time  `json:"last_failure"`
	Source       dlq.Source `json:"source"`
	LogGroup     string     `json:"log_group,omitempty"`
	// Items is the count the message declares; Decoded the count found
	// in its payload (spans, data points or log records).
	Items   int `json:"items"`
	Decoded int `json:"decoded_items"`
	// Services are the service.name values of its resources.
	Services  []string `json:"services,omitempty"`
	Resources int      `json:"resources"`
	// Start and End bound the items' timestamps (zero when none).
	Start time.Time `json:"start,omitempty"`
	End   time.Time `json:"end,omitempty"`
	// Bytes is the size of the payload inflated.
	Bytes int `json:"bytes"`
	// RawExcerpt shows the start of an undecodable payload.
	RawExcerpt string `json:"raw_excerpt,omitempty"`
	// DecodeError says why the payload could not be read.
	DecodeError string `json:"decode_error,omitempty"`
}

// maxExcerpt bounds RawExcerpt, in bytes.
const maxExcerpt = 160

// NewPreview decodes m (a whole message: chunks joined) received as rs.
func NewPreview(m *dlq.Message, rs []*Received) Preview {
	p := Preview{
		Reason: m.Reason, Collector: m.Collector, Signal: m.Signal, Status: m.Status, Error: m.Error,
		BodyExcerpt: m.BodyExcerpt, Attempts: m.Attempts, FirstFailure: m.FirstFailure, LastFailure: m.LastFailure,
		Source: m.Source, LogGroup: m.LogGroup, Items: m.Items,
	}
	for _, r := range rs {
		p.MessageIDs = append(p.MessageIDs, r.ID)
		if p.SentAt.IsZero() || r.SentAt.Before(p.SentAt) {
			p.SentAt = r.SentAt
		}
		p.Receives = max(p.Receives, r.ReceiveCount)
	}
	raw, err := m.Raw()
	if err != nil {
		p.DecodeError = err.Error()
		return p
	}
	p.Bytes = len(raw)
	sig := m.SignalOf()
	if m.Reason == dlq.Undecodable || !sig.Valid() {
		p.RawExcerpt = excerpt(raw)
		return p
	}
	if err := p.decode(sig, raw); err != nil {
		p.DecodeError = err.Error()
	}
	return p
}

func excerpt(b []byte) string {
	if len(b) > maxExcerpt {
		b = b[:maxExcerpt]
	}
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1] // do not cut a character in two
	}
	return string(b)
}

// decode reads the request's resources and item timestamps.
func (p *Preview) decode(sig otlp.Signal, raw []byte) error {
	msg, err := otlp.Decode(sig, raw)
	if err != nil {
		return err
	}
	services := map[string]bool{}
	resource := func(r *resourcepb.Resource) {
		p.Resources++
		for _, kv := range r.GetAttributes() {
			if kv.Key == "service.name" {
				services[kv.GetValue().GetStringValue()] = true
			}
		}
	}
	at := func(ns uint64) {
		if ns == 0 {
			return
		}
		t := time.Unix(0, int64(ns)).UTC()
		if p.Start.IsZero() || t.Before(p.Start) {
			p.Start = t
		}
		if t.After(p.End) {
			p.End = t
		}
	}
	switch req := msg.(type) {
	case *coltrace.ExportTraceServiceRequest:
		for _, rs := range req.ResourceSpans {
			resource(rs.Resource)
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					p.Decoded++
					at(s.StartTimeUnixNano)
					at(s.EndTimeUnixNano)
				}
			}
		}
	case *colmetrics.ExportMetricsServiceRequest:
		for _, rm := range req.ResourceMetrics {
			resource(rm.Resource)
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					for _, ts := range pointTimes(m) {
						p.Decoded++
						at(ts)
					}
				}
			}
		}
	case *collogs.ExportLogsServiceRequest:
		for _, rl := range req.ResourceLogs {
			resource(rl.Resource)
			for _, sl := range rl.ScopeLogs {
				for _, l := range sl.LogRecords {
					p.Decoded++
					if l.TimeUnixNano != 0 {
						at(l.TimeUnixNano)
					} else {
						at(l.ObservedTimeUnixNano)
					}
				}
			}
		}
	}
	for s := range services {
		p.Services = append(p.Services, s)
	}
	sort.Strings(p.Services)
	return nil
}

// pointTimes returns the time of each data point of a metric.
func pointTimes(m *metricspb.Metric) []uint64 {
	var out []uint64
	add := func(ts uint64) { out = append(out, ts) }
	switch d := m.Data.(type) {
	case *metricspb.Metric_Gauge:
		for _, p := range d.Gauge.DataPoints {
			add(p.TimeUnixNano)
		}
	case *metricspb.Metric_Sum:
		for _, p := range d.Sum.DataPoints {
			add(p.TimeUnixNano)
		}
	case *metricspb.Metric_Histogram:
		for _, p := range d.Histogram.DataPoints {
			add(p.TimeUnixNano)
		}
	case *metricspb.Metric_ExponentialHistogram:
		for _, p := range d.ExponentialHistogram.DataPoints {
			add(p.TimeUnixNano)
		}
	case *metricspb.Metric_Summary:
		for _, p := range d.Summary.DataPoints {
			add(p.TimeUnixNano)
		}
	}
	return out
}
