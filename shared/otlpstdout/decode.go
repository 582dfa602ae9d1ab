package otlpstdout

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strings"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/jsonlex"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// ErrNotEnvelope is returned for a line that is not an otlp-stdout envelope
// (an ordinary log line). It is not a decoding failure.
var ErrNotEnvelope = errors.New("not an otlp-stdout envelope")

// DefaultMaxInflated bounds the inflated size of one payload.
const DefaultMaxInflated = 64 << 20

// DefaultMaxJSON bounds an OTLP/JSON payload. Decoding JSON costs many
// times its size in memory (a generic tree, then protojson), so a gzip
// JSON payload a 1 MB log event can carry must not be allowed the
// protobuf limit: that could exhaust a Lambda's memory and fail the whole
// batch instead of dead-lettering one line.
const DefaultMaxJSON = 8 << 20

// Options tunes Decode. The zero value is ready to use.
type Options struct {
	// MaxInflated is the largest decompressed payload accepted; 0 (or
	// less) means DefaultMaxInflated.
	MaxInflated int
	// MaxJSON is the largest OTLP/JSON payload accepted, after
	// decompression; 0 (or less) means DefaultMaxJSON.
	MaxJSON int
}

// Message is a decoded envelope.
type Message struct {
	Signal  otlp.Signal
	Version string
	Source  string
	Level   string
	// Headers are the record's own headers. They are forwarded only where a
	// collector allows them by name.
	Headers map[string]string
	// Proto is the export request as uncompressed OTLP protobuf.
	Proto []byte
	// Gzip, when the envelope carried gzip-compressed protobuf, is that
	// compressed payload exactly as written, so it can be passed through
	// untouched. Otherwise nil.
	Gzip []byte
}

var marker = []byte(VersionKey)

// IsEnvelope reports cheaply whether line may hold an envelope.
func IsEnvelope(line []byte) bool { return bytes.Contains(line, marker) }

// Decode decodes one log line. It returns ErrNotEnvelope for lines that are
// not envelopes, and a descriptive error for envelopes that are damaged.
func Decode(line []byte, opts Options) (Message, error) {
	if !IsEnvelope(line) {
		return Message{}, ErrNotEnvelope
	}
	env, err := parse(line, 0)
	if err != nil {
		return Message{}, err
	}
	return env.decode(opts)
}

// wrapper is Lambda's JSON log format around an application line.
type wrapper struct {
	Envelope
	Message json.RawMessage `json:"message"`
}

// parse finds the envelope in line: the line itself, the JSON object after
// a text prefix (Lambda's text log format: "2026-...\tRequestId\tINFO\t{...}"),
// or the "message" of Lambda's JSON log format, as an object or a string.
func parse(line []byte, depth int) (*Envelope, error) {
	if depth > 2 {
		return nil, ErrNotEnvelope
	}
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		i := bytes.IndexByte(line, '{')
		if i < 0 {
			return nil, ErrNotEnvelope
		}
		line = line[i:]
	}
	w, err := parseWrapper(line)
	if err != nil {
		// Only an object with the envelope's key is a damaged envelope. Any
		// other line is an ordinary one that merely mentions the key: text
		// with braces, or JSON whose fields have other types than the
		// envelope's (pino's numeric "level"). Lambda's wrapper may still
		// hold an envelope in its "message".
		hasKey, msg, valid := scanKeys(line)
		switch {
		case hasKey:
			return nil, fmt.Errorf("otlp-stdout envelope: invalid JSON: %w", err)
		case !valid:
			return nil, ErrNotEnvelope
		}
		w = wrapper{Message: msg}
	}
	if w.Version != "" {
		return &w.Envelope, nil
	}
	msg := bytes.TrimSpace(w.Message)
	switch {
	case len(msg) == 0:
	case msg[0] == '{':
		return parse(msg, depth+1)
	case msg[0] == '"':
		s, err := jsonlex.New(msg).String()
		if err != nil {
			return nil, fmt.Errorf("otlp-stdout envelope: message: %w", err)
		}
		return parse(s, depth+1)
	}
	return nil, ErrNotEnvelope
}

func (e *Envelope) decode(opts Options) (Message, error) {
	m := Message{Version: e.Version, Source: e.Source, Level: e.Level, Headers: e.Headers}
	var errs []error
	if e.Source == "" {
		errs = append(errs, errors.New("source is missing"))
	}
	if e.Method != "" && !strings.EqualFold(e.Method, "POST") {
		errs = append(errs, fmt.Errorf("method %q: only POST carries telemetry", e.Method))
	}
	sig, err := otlp.SignalFromEndpoint(e.Endpoint)
	if err != nil {
		errs = append(errs, err)
	}
	m.Signal = sig
	ct, err := contentType(e.ContentType)
	if err != nil {
		errs = append(errs, err)
	}
	enc := strings.ToLower(strings.TrimSpace(e.ContentEncoding))
	if enc != "" && enc != EncodingGzip && enc != "identity" {
		errs = append(errs, fmt.Errorf("content-encoding %q: want gzip or none", e.ContentEncoding))
	}
	if len(bytes.TrimSpace(e.Payload)) == 0 || bytes.Equal(e.Payload, []byte("null")) {
		errs = append(errs, errors.New("payload is missing"))
	}
	if len(errs) > 0 {
		return m, fmt.Errorf("otlp-stdout envelope: %w", errors.Join(errs...))
	}
	limit := opts.MaxInflated
	if limit <= 0 {
		limit = DefaultMaxInflated
	}
	jsonLimit := opts.MaxJSON
	if jsonLimit <= 0 {
		jsonLimit = DefaultMaxJSON
	}
	if ct == ContentTypeJSON {
		limit = min(limit, jsonLimit)
	}
	body, text, err := e.body()
	if err != nil {
		return m, fmt.Errorf("otlp-stdout envelope: payload: %w", err)
	}
	switch {
	case text:
		// A JSON object (or a string of one) is OTLP/JSON whatever the
		// labels say: some writers label it application/x-protobuf, and
		// the old Node StdoutTransport copies content-encoding: gzip from
		// its headers but leaves the JSON uncompressed.
		ct = ContentTypeJSON
	case enc == EncodingGzip:
		if !compress.IsGzip(body) {
			return m, errors.New("otlp-stdout envelope: content-encoding is gzip but the payload is not gzip")
		}
		raw, err := compress.Gunzip(nil, body, limit)
		if err != nil {
			return m, fmt.Errorf("otlp-stdout envelope: payload: %w", err)
		}
		if ct == ContentTypeProtobuf {
			m.Gzip = body
		}
		body = raw
	case compress.IsGzip(body):
		return m, errors.New("otlp-stdout envelope: payload is gzip but content-encoding does not say so")
	}
	if ct == ContentTypeJSON {
		if len(body) > jsonLimit {
			return m, fmt.Errorf("otlp-stdout envelope: OTLP/JSON payload of %d bytes exceeds the %d-byte JSON limit: %w; export protobuf (smaller, and decoded without a copy) or smaller batches", len(body), jsonLimit, compress.ErrTooLarge)
		}
		if !looksLikeJSON(body) {
			return m, errors.New("otlp-stdout envelope: content-type is application/json but the payload is not JSON")
		}
		m.Proto, err = otlp.UnmarshalJSON(sig, body)
		if err != nil {
			return m, fmt.Errorf("otlp-stdout envelope: payload: %w", err)
		}
		return m, nil
	}
	m.Proto = body
	return m, nil
}

// body returns the payload bytes: a JSON object as is, a string unquoted,
// and base64-decoded when the envelope says base64 (or, for a string that
// cannot be the payload itself, when it decodes as base64). text reports
// that the bytes are the JSON object the line carried as such (OTLP/JSON).
func (e *Envelope) body() (b []byte, text bool, err error) {
	p := bytes.TrimSpace(e.Payload)
	if p[0] == '{' {
		if e.Base64 != nil && *e.Base64 {
			return nil, false, errors.New("base64 is true but the payload is a JSON object")
		}
		return p, true, nil
	}
	if p[0] != '"' {
		return nil, false, fmt.Errorf("want a string or a JSON object, got %.20s", p)
	}
	s, err := unquote(p)
	if err != nil {
		return nil, false, err
	}
	b64 := e.Base64 != nil && *e.Base64
	if !b64 {
		// A string payload without base64 must be text (OTLP/JSON); binary
		// protobuf or gzip cannot survive as a JSON string. Writers that
		// forget the flag are still read when the text is valid base64 and
		// the content is not JSON.
		if looksLikeJSON(s) {
			return s, true, nil
		}
		if d, err := decodeBase64(s); err == nil {
			return d, false, nil
		}
		return s, false, nil
	}
	d, err := decodeBase64(s)
	if err != nil {
		return nil, false, fmt.Errorf("invalid base64: %w", err)
	}
	return d, false, nil
}

// unquote returns the bytes of a JSON string, without allocating a copy
// when it has no escapes (base64 never has).
func unquote(q []byte) ([]byte, error) {
	inner := q[1 : len(q)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner, nil
	}
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return nil, err
	}
	return []byte(s), nil
}

func decodeBase64(s []byte) ([]byte, error) {
	// Unpadded input decodes to more than StdEncoding.DecodedLen says.
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(s))+3)
	n, err := base64.StdEncoding.Decode(out, s)
	if err == nil {
		return out[:n], nil
	}
	// Unpadded base64, as some writers emit.
	if n, err2 := base64.RawStdEncoding.Decode(out, s); err2 == nil {
		return out[:n], nil
	}
	return nil, err
}

func looksLikeJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{' && b[len(b)-1] == '}'
}

func contentType(v string) (string, error) {
	if strings.TrimSpace(v) == "" {
		return "", errors.New("content-type is missing")
	}
	mt, _, err := mime.ParseMediaType(v)
	if err != nil {
		return "", fmt.Errorf("content-type %q: %w", v, err)
	}
	switch mt {
	case ContentTypeProtobuf, "application/protobuf", "application/vnd.google.protobuf":
		return ContentTypeProtobuf, nil
	case ContentTypeJSON:
		return ContentTypeJSON, nil
	}
	return "", fmt.Errorf("content-type %q: want application/x-protobuf or application/json", v)
}
