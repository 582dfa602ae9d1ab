package otlp

import (
	"fmt"
	"strings"
)

// Signal is one of the three OTLP signals. The zero value is not a signal.
type Signal uint8

const (
	Traces  Signal = 1
	Metrics Signal = 2
	Logs    Signal = 3
)

// Signals lists every signal, in a stable order.
var Signals = []Signal{Traces, Metrics, Logs}

// String returns "traces", "metrics" or "logs".
func (s Signal) String() string {
	switch s {
	case Traces:
		return "traces"
	case Metrics:
		return "metrics"
	case Logs:
		return "logs"
	}
	return fmt.Sprintf("signal(%d)", uint8(s))
}

// Path is the OTLP/HTTP path of the signal, e.g. "/v1/traces".
func (s Signal) Path() string { return "/v1/" + s.String() }

// Valid reports whether s is one of Traces, Metrics or Logs.
func (s Signal) Valid() bool { return s >= Traces && s <= Logs }

// ParseSignal parses "traces", "metrics" or "logs" (any case).
func ParseSignal(name string) (Signal, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "traces", "trace", "spans":
		return Traces, nil
	case "metrics", "metric":
		return Metrics, nil
	case "logs", "log":
		return Logs, nil
	}
	return 0, fmt.Errorf("unknown signal %q: want traces, metrics or logs", name)
}

// SignalFromEndpoint returns the signal named by the path of an OTLP/HTTP
// endpoint such as "http://localhost:4318/v1/traces". Only the path is read;
// the host is never used (see the security rule in the package docs of
// otlpstdout).
func SignalFromEndpoint(endpoint string) (Signal, error) {
	p := endpoint
	if i := strings.Index(p, "://"); i >= 0 {
		p = p[i+3:]
		if j := strings.IndexByte(p, '/'); j >= 0 {
			p = p[j:]
		} else {
			p = ""
		}
	}
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	p = strings.TrimRight(p, "/")
	switch {
	case strings.HasSuffix(p, "/v1/traces"):
		return Traces, nil
	case strings.HasSuffix(p, "/v1/metrics"):
		return Metrics, nil
	case strings.HasSuffix(p, "/v1/logs"):
		return Logs, nil
	}
	return 0, fmt.Errorf("endpoint %q: path names no OTLP signal (want /v1/traces, /v1/metrics or /v1/logs)", endpoint)
}

// ItemName is the name of one item of the signal: "spans", "data_points" or
// "log_records".
func (s Signal) ItemName() string {
	switch s {
	case Traces:
		return "spans"
	case Metrics:
		return "data_points"
	case Logs:
		return "log_records"
	}
	return "items"
}
