package route

import (
	"slices"
	"strings"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// Defaults and limits of a Collector's settings.
const (
	DefaultTimeout         = 10 * time.Second
	MaxTimeout             = 15 * time.Minute // Lambda's own maximum
	DefaultMaxRequestBytes = 8 << 20
	MaxMaxRequestBytes     = 64 << 20 // the OTLP spec's recommended ceiling
	MaxNameLen             = 64
)

// Compression is how request bodies are compressed.
type Compression string

// Compressions.
const (
	CompressionGzip Compression = "gzip"
	CompressionZstd Compression = "zstd"
	CompressionNone Compression = "none"
)

// Encoding is the OTLP wire encoding of request bodies.
type Encoding string

// Encodings.
const (
	EncodingProtobuf Encoding = "protobuf"
	EncodingJSON     Encoding = "json"
)

// Mode says what the export stage does with a collector's data.
type Mode string

// Modes.
const (
	// ModeMerge decodes the requests of a batch, merges identical
	// resources and scopes, enriches, splits to MaxRequestBytes and
	// re-encodes with the collector's Encoding and Compression.
	ModeMerge Mode = "merge"
	// ModePassthrough forwards each payload's bytes untouched, as the
	// application's exporter compressed them: no enrichment (log group,
	// account, region), no resource merging, one request per payload or
	// per run of payloads that fits MaxRequestBytes. It needs compression
	// gzip and encoding protobuf, the exporters' own format.
	ModePassthrough Mode = "passthrough"
)

// Collector is one configured OTLP/HTTP destination. The json and yaml
// tags name the configuration keys (see the package documentation); decode
// it with ParseConfig or ParseCollector, which fill in the defaults noted
// and reject what is wrong. NewTable fills the same defaults into a
// Collector built in code: the zero value of each field means its default.
type Collector struct {
	// Name identifies the collector in partition keys, DLQ messages, logs
	// and secret names: [A-Za-z0-9._-]{1,64}, unique. Required.
	Name string `json:"name" yaml:"name"`
	// Endpoint is the base URL, http or https, with a host and no query,
	// fragment or userinfo; Collector.URL appends the signal path.
	// Required.
	Endpoint string `json:"endpoint" yaml:"endpoint"`
	// Headers are sent with every request (auth). Their values never
	// appear in logs, errors or marshalled output (see Headers).
	Headers Headers `json:"headers,omitempty" yaml:"headers,omitempty"`
	// Signals are the signals the collector receives. Empty: all.
	Signals Signals `json:"signals,omitempty" yaml:"signals,omitempty"`
	// Match restricts which log groups and sources it receives.
	Match Match `json:"match,omitzero" yaml:"match,omitempty"`
	// Compression of request bodies. Empty: CompressionGzip.
	Compression Compression `json:"compression,omitempty" yaml:"compression,omitempty"`
	// Encoding of request bodies. Empty: EncodingProtobuf.
	Encoding Encoding `json:"encoding,omitempty" yaml:"encoding,omitempty"`
	// Mode of export. Empty: ModeMerge.
	Mode Mode `json:"mode,omitempty" yaml:"mode,omitempty"`
	// Timeout bounds one attempt of one request. Configured as a Go
	// duration string ("10s", "1m30s"). Zero: DefaultTimeout.
	Timeout time.Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	// MaxRequestBytes bounds one request body before compression. Zero:
	// DefaultMaxRequestBytes; at most MaxMaxRequestBytes.
	MaxRequestBytes int `json:"max_request_bytes,omitempty" yaml:"max_request_bytes,omitempty"`
	// Disabled collectors match nothing; data already queued for them is
	// dead-lettered by the export stage, to be redriven later.
	Disabled bool `json:"disabled,omitempty" yaml:"disabled,omitempty"`
	// PassHeaders names the headers of otlp-stdout records that may be
	// forwarded to this collector (case-insensitive, exact names, no
	// wildcards). Record headers are written by application code: none is
	// forwarded unless named here, auth-like ones included.
	PassHeaders []string `json:"pass_headers,omitempty" yaml:"pass_headers,omitempty"`
	// PlainLogs asks for ordinary log lines (neither otlp-stdout nor
	// Lambda platform lines) converted to OTLP logs. Needs the logs signal.
	PlainLogs bool `json:"plain_logs,omitempty" yaml:"plain_logs,omitempty"`
	// InsecureSkipVerify turns off TLS certificate verification for this
	// collector. Never silent: Table.Warnings reports it, Cached logs it at
	// WARN on every load, and otlphttp logs it when it builds the client.
	InsecureSkipVerify bool `json:"insecure_skip_verify,omitempty" yaml:"insecure_skip_verify,omitempty"`
}

// Match holds a collector's match rules.
type Match struct {
	// LogGroups are globs over the CloudWatch log group name.
	LogGroups Rules `json:"log_groups,omitzero" yaml:"log_groups,omitempty"`
	// Sources are RE2 regexes over the source (service) name.
	Sources Rules `json:"sources,omitzero" yaml:"sources,omitempty"`
}

// Rules is an include and an exclude list. An empty Include includes
// everything; Exclude wins over Include.
type Rules struct {
	Include []string `json:"include,omitempty" yaml:"include,omitempty"`
	Exclude []string `json:"exclude,omitempty" yaml:"exclude,omitempty"`
}

// URL is the full OTLP/HTTP URL for the signal: the endpoint with the
// signal's path (e.g. "/v1/traces") appended.
func (c *Collector) URL(sig otlp.Signal) string {
	return strings.TrimRight(c.Endpoint, "/") + sig.Path()
}

// Wants reports whether the collector receives the signal (an empty
// Signals means all).
func (c *Collector) Wants(sig otlp.Signal) bool {
	if !sig.Valid() {
		return false
	}
	return len(c.Signals) == 0 || slices.Contains(c.Signals, sig)
}

// AllowsHeader reports whether PassHeaders names the record header
// (case-insensitive).
func (c *Collector) AllowsHeader(name string) bool {
	for _, h := range c.PassHeaders {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// Passthrough reports whether export forwards this collector's payloads as
// the applications compressed them: mode passthrough, with gzip and
// protobuf (validation requires both; the check keeps callers honest).
func (c *Collector) Passthrough() bool {
	return c.Mode == ModePassthrough && c.Compression == CompressionGzip && c.Encoding == EncodingProtobuf
}
