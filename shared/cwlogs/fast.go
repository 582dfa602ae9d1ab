package cwlogs

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/otlpfwd/otlpfwd/shared/jsonlex"
)

// parse decodes a payload in one pass (jsonlex), with encoding/json's
// semantics for this type: keys match case-insensitively, null leaves a
// field unset, unknown keys are skipped, the last of duplicate keys wins.
func parse(js []byte) (*Payload, error) {
	l := jsonlex.New(js)
	p := new(Payload)
	if l.Peek() == 'n' {
		if _, err := l.Literal(); err != nil {
			return nil, err
		}
		return p, l.End()
	}
	err := l.Object(func(key []byte) error {
		switch {
		case fold(key, "messageType"):
			return str(l, &p.MessageType)
		case fold(key, "owner"):
			return str(l, &p.Owner)
		case fold(key, "logGroup"):
			return str(l, &p.LogGroup)
		case fold(key, "logStream"):
			return str(l, &p.LogStream)
		case fold(key, "policyLevel"):
			return str(l, &p.PolicyLevel)
		case fold(key, "subscriptionFilters"):
			if null(l) {
				p.SubscriptionFilters = nil
				return nil
			}
			p.SubscriptionFilters = p.SubscriptionFilters[:0]
			if p.SubscriptionFilters == nil {
				p.SubscriptionFilters = []string{}
			}
			return l.Array(func() error {
				var s string
				if err := str(l, &s); err != nil {
					return err
				}
				p.SubscriptionFilters = append(p.SubscriptionFilters, s)
				return nil
			})
		case fold(key, "logEvents"):
			if null(l) {
				p.LogEvents = nil
				return nil
			}
			p.LogEvents = p.LogEvents[:0]
			if p.LogEvents == nil {
				p.LogEvents = []LogEvent{}
			}
			return l.Array(func() error {
				var e LogEvent
				if err := event(l, &e); err != nil {
					return err
				}
				p.LogEvents = append(p.LogEvents, e)
				return nil
			})
		}
		return l.Skip()
	})
	if err != nil {
		return nil, err
	}
	if err := l.End(); err != nil {
		return nil, err
	}
	return p, nil
}

func event(l *jsonlex.Lexer, e *LogEvent) error {
	if null(l) {
		return nil
	}
	return l.Object(func(key []byte) error {
		switch {
		case fold(key, "id"):
			return id(l, &e.ID)
		case fold(key, "timestamp"):
			if null(l) {
				return nil
			}
			if l.Peek() == '"' {
				return fmt.Errorf("timestamp: want a number")
			}
			n, err := l.Number()
			if err != nil {
				return err
			}
			v, err := strconv.ParseInt(string(n), 10, 64)
			if err != nil {
				return fmt.Errorf("timestamp %s: not an integer", n)
			}
			e.Timestamp = v
			return nil
		case fold(key, "message"):
			return str(l, &e.Message)
		}
		return l.Skip()
	})
}

func id(l *jsonlex.Lexer, out *EventID) error {
	switch c := l.Peek(); {
	case c == '"':
		s, err := l.String()
		*out = EventID(s)
		return err
	case c == 'n':
		lit, err := l.Literal()
		if err == nil && lit != "null" {
			return fmt.Errorf("log event id %s: want a string or a number", lit)
		}
		*out = ""
		return err
	case c == '-' || '0' <= c && c <= '9':
		n, err := l.Number()
		if err != nil {
			return err
		}
		return out.UnmarshalJSON(n)
	}
	raw, err := l.Raw()
	if err != nil {
		return err
	}
	return fmt.Errorf("log event id %.20s: want a string or a number", raw)
}

// str reads a string (or null, leaving *dst as it is).
func str(l *jsonlex.Lexer, dst *string) error {
	if null(l) {
		return nil
	}
	if l.Peek() != '"' {
		raw, err := l.Raw()
		if err != nil {
			return err
		}
		return fmt.Errorf("want a string, got %.20s", raw)
	}
	s, err := l.String()
	if err != nil {
		return err
	}
	*dst = string(s)
	return nil
}

// null consumes a null and reports whether there was one.
func null(l *jsonlex.Lexer) bool {
	if l.Peek() != 'n' {
		return false
	}
	lit, err := l.Literal()
	return err == nil && lit == "null"
}

// fold matches a key as encoding/json does: exactly or case-insensitively.
func fold(key []byte, name string) bool {
	return string(key) == name || bytes.EqualFold(key, []byte(name))
}
