package route

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// Redacted replaces every header value in printed, logged and marshalled
// output.
const Redacted = "REDACTED"

// Headers are a collector's request headers: name to value. The values are
// credentials, so every way this package knows of turning Headers into
// text shows the names only: fmt (all verbs, %#v included), slog, JSON and
// YAML. Read a value by indexing the map.
//
// fmt cannot call methods on values it reaches through unexported struct
// fields; keep a Collector or Headers behind a pointer or in an exported
// field of anything that might be printed.
type Headers map[string]string

// Names returns the header names, sorted.
func (h Headers) Names() []string {
	return slices.Sorted(maps.Keys(h))
}

// redacted returns the headers with every value replaced by Redacted.
func (h Headers) redacted() map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k := range h {
		out[k] = Redacted
	}
	return out
}

// String lists the names with redacted values: "{authorization:REDACTED}".
func (h Headers) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range h.Names() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString(":" + Redacted)
	}
	b.WriteByte('}')
	return b.String()
}

// GoString is like String in Go syntax.
func (h Headers) GoString() string {
	if h == nil {
		return "route.Headers(nil)"
	}
	var b strings.Builder
	b.WriteString("route.Headers{")
	for i, k := range h.Names() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(k) + ":" + strconv.Quote(Redacted))
	}
	b.WriteByte('}')
	return b.String()
}

// Format prints the redacted form for every verb.
func (h Headers) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, h.GoString())
		return
	}
	fmt.Fprint(f, h.String())
}

// LogValue logs the header names only.
func (h Headers) LogValue() slog.Value {
	return slog.AnyValue(h.Names())
}

// MarshalJSON writes the names with redacted values.
func (h Headers) MarshalJSON() ([]byte, error) {
	return json.Marshal(h.redacted())
}

// MarshalYAML writes the names with redacted values.
func (h Headers) MarshalYAML() (any, error) {
	return h.redacted(), nil
}

// Signals is a list of signals; configured as names ("traces", "metrics",
// "logs").
type Signals []otlp.Signal

// Names returns the signals' names.
func (s Signals) Names() []string {
	out := make([]string, len(s))
	for i, sig := range s {
		out[i] = sig.String()
	}
	return out
}

// String is "[traces logs]".
func (s Signals) String() string { return fmt.Sprint(s.Names()) }

// MarshalJSON writes the names.
func (s Signals) MarshalJSON() ([]byte, error) { return json.Marshal(s.Names()) }

// MarshalYAML writes the names.
func (s Signals) MarshalYAML() (any, error) { return s.Names(), nil }

// collectorJSON has Collector's tags and none of its methods.
type collectorJSON Collector

// MarshalJSON writes the configuration form (timeout as a duration
// string) with header values redacted. Use ConfigJSON to keep them.
func (c Collector) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		collectorJSON
		Timeout string `json:"timeout,omitempty"`
	}{collectorJSON(c), durationString(c)})
}

// ConfigJSON writes the configuration form with the header values: the
// one way to get them out of a Collector as text, for storing a
// configuration (a secret, a file). Never log its result.
func (c Collector) ConfigJSON() ([]byte, error) {
	return json.Marshal(struct {
		collectorJSON
		Headers map[string]string `json:"headers,omitempty"`
		Timeout string            `json:"timeout,omitempty"`
	}{collectorJSON(c), c.Headers, durationString(c)})
}

func durationString(c Collector) string {
	if c.Timeout == 0 {
		return ""
	}
	return c.Timeout.String()
}

// String is a one-line summary without header values:
// `collector "hc" https://api.honeycomb.io signals=[traces] headers={x-honeycomb-team:REDACTED}`.
func (c Collector) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "collector %q %s", c.Name, c.Endpoint)
	if len(c.Signals) > 0 {
		fmt.Fprintf(&b, " signals=%s", c.Signals)
	}
	if len(c.Headers) > 0 {
		fmt.Fprintf(&b, " headers=%s", c.Headers)
	}
	if c.Disabled {
		b.WriteString(" disabled")
	}
	if c.InsecureSkipVerify {
		b.WriteString(" insecure_skip_verify")
	}
	return b.String()
}

// GoString prints the fields in Go syntax with header values redacted.
func (c Collector) GoString() string {
	return fmt.Sprintf("route.Collector{Name:%q, Endpoint:%q, Headers:%#v, Signals:%#v, Match:%#v, "+
		"Compression:%q, Encoding:%q, Mode:%q, Timeout:%d, MaxRequestBytes:%d, Disabled:%t, "+
		"PassHeaders:%#v, PlainLogs:%t, InsecureSkipVerify:%t}",
		c.Name, c.Endpoint, c.Headers, []otlp.Signal(c.Signals), c.Match,
		c.Compression, c.Encoding, c.Mode, c.Timeout, c.MaxRequestBytes, c.Disabled,
		c.PassHeaders, c.PlainLogs, c.InsecureSkipVerify)
}

// Format prints String for every verb, GoString for %#v, and the fields
// by name for %+v; header values are always redacted.
func (c Collector) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, c.GoString())
	case verb == 'v' && f.Flag('+'):
		fmt.Fprintf(f, "{Name:%s Endpoint:%s Headers:%s Signals:%s Match:%+v Compression:%s Encoding:%s "+
			"Mode:%s Timeout:%s MaxRequestBytes:%d Disabled:%t PassHeaders:%v PlainLogs:%t InsecureSkipVerify:%t}",
			c.Name, c.Endpoint, c.Headers, c.Signals, c.Match, c.Compression, c.Encoding,
			c.Mode, c.Timeout, c.MaxRequestBytes, c.Disabled, c.PassHeaders, c.PlainLogs, c.InsecureSkipVerify)
	default:
		fmt.Fprint(f, c.String())
	}
}

// LogValue logs the collector's settings; headers by name only.
func (c Collector) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("name", c.Name),
		slog.String("endpoint", c.Endpoint),
	}
	if len(c.Headers) > 0 {
		attrs = append(attrs, slog.Any("header_names", c.Headers.Names()))
	}
	if len(c.Signals) > 0 {
		attrs = append(attrs, slog.Any("signals", c.Signals.Names()))
	}
	if c.Mode != "" {
		attrs = append(attrs, slog.String("mode", string(c.Mode)))
	}
	if c.Disabled {
		attrs = append(attrs, slog.Bool("disabled", true))
	}
	if c.InsecureSkipVerify {
		attrs = append(attrs, slog.Bool("insecure_skip_verify", true))
	}
	if c.PlainLogs {
		attrs = append(attrs, slog.Bool("plain_logs", true))
	}
	if len(c.PassHeaders) > 0 {
		attrs = append(attrs, slog.Any("pass_headers", c.PassHeaders))
	}
	return slog.GroupValue(attrs...)
}
