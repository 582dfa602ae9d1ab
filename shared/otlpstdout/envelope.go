package otlpstdout

import "encoding/json"

// VersionKey is the key that marks a line as an otlp-stdout envelope.
const VersionKey = "__otel_otlp_stdout"

// Content types and encodings of the payload.
const (
	ContentTypeProtobuf = "application/x-protobuf"
	ContentTypeJSON     = "application/json"
	EncodingGzip        = "gzip"
)

// Envelope is the JSON line, as written by the exporters.
type Envelope struct {
	Version         string            `json:"__otel_otlp_stdout"`
	Source          string            `json:"source"`
	Endpoint        string            `json:"endpoint"`
	Method          string            `json:"method"`
	ContentType     string            `json:"content-type"`
	ContentEncoding string            `json:"content-encoding,omitempty"`
	Headers         map[string]string `json:"headers,omitempty"`
	Payload         json.RawMessage   `json:"payload"`
	Base64          *bool             `json:"base64,omitempty"`
	Level           string            `json:"level,omitempty"`
}
