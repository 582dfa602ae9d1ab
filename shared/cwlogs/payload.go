package cwlogs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Message types of a subscription payload.
const (
	DataMessage    = "DATA_MESSAGE"
	ControlMessage = "CONTROL_MESSAGE"
)

// Payload is one CloudWatch Logs subscription payload.
type Payload struct {
	MessageType         string     `json:"messageType"`
	Owner               string     `json:"owner"`
	LogGroup            string     `json:"logGroup"`
	LogStream           string     `json:"logStream"`
	SubscriptionFilters []string   `json:"subscriptionFilters"`
	LogEvents           []LogEvent `json:"logEvents"`
	// PolicyLevel is set ("ACCOUNT_LEVEL_POLICY") when an account-level
	// subscription policy delivered the payload.
	PolicyLevel string `json:"policyLevel,omitempty"`
}

// IsControl reports whether the payload is a health check that carries no
// log data.
func (p *Payload) IsControl() bool { return p.MessageType == ControlMessage }

// LogEvent is one log line.
type LogEvent struct {
	ID        EventID `json:"id"`
	Timestamp int64   `json:"timestamp"` // milliseconds since the epoch
	Message   string  `json:"message"`
}

// EventID is a log event id. It unmarshals from a JSON string (AWS) or a
// JSON number (moto) and always marshals as a string.
type EventID string

// UnmarshalJSON accepts a string or a number.
func (id *EventID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = EventID(s)
	case bytes.Equal(b, []byte("null")):
		*id = ""
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("log event id %s: want a string or a number", b)
		}
		*id = EventID(normalizeNumber(n))
	}
	return nil
}

// normalizeNumber writes integral numbers in plain digits (a large id may
// arrive in exponent form from some encoders).
func normalizeNumber(n json.Number) string {
	s := n.String()
	if _, err := strconv.ParseUint(s, 10, 64); err == nil {
		return s
	}
	if f, err := n.Float64(); err == nil && f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	return s
}
