package dlq

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// Version is the message format version written by this package.
const Version = 1

// Reason says why a payload is in the DLQ.
type Reason string

const (
	// Permanent: the collector refused the request with a status the OTLP
	// spec says not to retry (400, 401, 403, 404, 413, 415, 500, ...), or the
	// collector is no longer configured.
	Permanent Reason = "permanent"
	// RetriesExhausted: retryable failures lasted until the Lambda deadline.
	RetriesExhausted Reason = "retries_exhausted"
	// CircuitOpen: the collector's circuit breaker was open, so no attempt
	// was made.
	CircuitOpen Reason = "circuit_open"
	// Undecodable: the input could not be decoded; the payload holds the
	// raw bytes.
	Undecodable Reason = "undecodable"
)

// Reasons lists every reason.
var Reasons = []Reason{Permanent, RetriesExhausted, CircuitOpen, Undecodable}

// Source locates the input in a Kinesis stream.
type Source struct {
	Stream   string `json:"stream,omitempty"`
	Shard    string `json:"shard,omitempty"`
	FirstSeq string `json:"first_seq,omitempty"`
	LastSeq  string `json:"last_seq,omitempty"`
}

// Chunk marks one piece of a payload that had to be cut into bytes.
type Chunk struct {
	Group string `json:"group"`
	Index int    `json:"index"`
	Count int    `json:"count"`
}

// Message is one dead-letter message.
type Message struct {
	V            int               `json:"v"`
	Reason       Reason            `json:"reason"`
	Collector    string            `json:"collector,omitempty"`
	Signal       string            `json:"signal,omitempty"`
	Status       int               `json:"status,omitempty"`
	Error        string            `json:"error"`
	BodyExcerpt  string            `json:"body_excerpt,omitempty"`
	Attempts     int               `json:"attempts,omitempty"`
	FirstFailure time.Time         `json:"first_failure"`
	LastFailure  time.Time         `json:"last_failure"`
	Source       Source            `json:"source"`
	LogGroup     string            `json:"log_group,omitempty"`
	Items        int               `json:"items"`
	Headers      map[string]string `json:"headers,omitempty"`
	Chunk        *Chunk            `json:"chunk,omitempty"`
	Encoding     string            `json:"encoding"`
	Payload      []byte            `json:"payload"`
}

// SignalOf returns the message's signal, or 0 when it carries none.
func (m *Message) SignalOf() otlp.Signal {
	s, err := otlp.ParseSignal(m.Signal)
	if err != nil {
		return 0
	}
	return s
}

// DefaultMaxPayload bounds the inflated payload Raw returns.
const DefaultMaxPayload = 64 << 20

// Raw returns the payload inflated: the OTLP request, or the raw bytes of
// an undecodable input. A chunk holds only part of a gzip stream: join the
// group's chunks first (Join).
func (m *Message) Raw() ([]byte, error) {
	if m.Chunk != nil && m.Chunk.Count > 1 {
		return nil, fmt.Errorf("dlq message: chunk %d of %d of group %s: join the group first", m.Chunk.Index+1, m.Chunk.Count, m.Chunk.Group)
	}
	switch m.Encoding {
	case "gzip":
		return compress.Gunzip(nil, m.Payload, DefaultMaxPayload)
	case "", "identity":
		return m.Payload, nil
	}
	return nil, fmt.Errorf("dlq message: unknown encoding %q", m.Encoding)
}

// Parse decodes a message body.
func Parse(body string) (*Message, error) {
	m := new(Message)
	if err := json.Unmarshal([]byte(body), m); err != nil {
		return nil, fmt.Errorf("dlq message: not an otlpfwd message: %w", err)
	}
	if m.V == 0 {
		return nil, errors.New("dlq message: no version: not written by otlpfwd")
	}
	if m.V > Version {
		return nil, fmt.Errorf("dlq message: version %d is newer than this build reads (%d): update otlpfwd", m.V, Version)
	}
	if m.Reason == "" {
		return nil, errors.New("dlq message: no reason")
	}
	if len(m.Payload) == 0 {
		return nil, errors.New("dlq message: no payload")
	}
	return m, nil
}

// Join reassembles the chunks of one group (in any order) into a single
// message. It fails when a chunk is missing or the group is mixed.
func Join(chunks []*Message) (*Message, error) {
	if len(chunks) == 0 || chunks[0].Chunk == nil {
		return nil, errors.New("dlq message: nothing to join")
	}
	first := chunks[0].Chunk
	parts := make([][]byte, first.Count)
	var head *Message
	for _, c := range chunks {
		if c.Chunk == nil || c.Chunk.Group != first.Group || c.Chunk.Count != first.Count || c.Chunk.Index < 0 || c.Chunk.Index >= first.Count {
			return nil, fmt.Errorf("dlq message: chunk does not belong to group %s", first.Group)
		}
		parts[c.Chunk.Index] = c.Payload
		if c.Chunk.Index == 0 {
			head = c
		}
	}
	var payload []byte
	for i, p := range parts {
		if p == nil {
			return nil, fmt.Errorf("dlq message: group %s lacks chunk %d of %d", first.Group, i+1, first.Count)
		}
		payload = append(payload, p...)
	}
	m := *head
	m.Chunk = nil
	m.Payload = payload
	return &m, nil
}
