package cwlogs

import (
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
	err := l.Document(func(key []byte) error {
		switch {
		case jsonlex.KeyIs(key, "messageType"):
			return l.StringField(&p.MessageType)
		case jsonlex.KeyIs(key, "owner"):
			return l.StringField(&p.Owner)
		case jsonlex.KeyIs(key, "logGroup"):
			return l.StringField(&p.LogGroup)
		case jsonlex.KeyIs(key, "logStream"):
			return l.StringField(&p.LogStream)
		case jsonlex.KeyIs(key, "policyLevel"):
			return l.StringField(&p.PolicyLevel)
		case jsonlex.KeyIs(key, "subscriptionFilters"):
			if l.Null() {
				p.SubscriptionFilters = nil
				return nil
			}
			p.SubscriptionFilters = p.SubscriptionFilters[:0]
			if p.SubscriptionFilters == nil {
				p.SubscriptionFilters = []string{}
			}
			return l.Array(func() error {
				var s string
				if err := l.StringField(&s); err != nil {
					return err
				}
				p.SubscriptionFilters = append(p.SubscriptionFilters, s)
				return nil
			})
		case jsonlex.KeyIs(key, "logEvents"):
			if l.Null() {
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
	return p, nil
}

func event(l *jsonlex.Lexer, e *LogEvent) error {
	if l.Null() {
		return nil
	}
	return l.Object(func(key []byte) error {
		switch {
		case jsonlex.KeyIs(key, "id"):
			return id(l, &e.ID)
		case jsonlex.KeyIs(key, "timestamp"):
			if l.Null() {
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
		case jsonlex.KeyIs(key, "message"):
			return l.StringField(&e.Message)
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
