package otlpstdout

import (
	"fmt"

	"github.com/otlpfwd/otlpfwd/shared/jsonlex"
)

// parseWrapper decodes a line into the envelope and Lambda's "message"
// wrapper in one pass (jsonlex), with encoding/json's semantics for the
// wrapper type (case-insensitive keys, null leaves a field unset, unknown
// keys skipped, the last duplicate wins). Payload and Message alias line.
func parseWrapper(line []byte) (wrapper, error) {
	var w wrapper
	l := jsonlex.New(line)
	err := l.Document(func(key []byte) error {
		switch {
		case jsonlex.KeyIs(key, VersionKey):
			return l.StringField(&w.Version)
		case jsonlex.KeyIs(key, "source"):
			return l.StringField(&w.Source)
		case jsonlex.KeyIs(key, "endpoint"):
			return l.StringField(&w.Endpoint)
		case jsonlex.KeyIs(key, "method"):
			return l.StringField(&w.Method)
		case jsonlex.KeyIs(key, "content-type"):
			return l.StringField(&w.ContentType)
		case jsonlex.KeyIs(key, "content-encoding"):
			return l.StringField(&w.ContentEncoding)
		case jsonlex.KeyIs(key, "level"):
			return l.StringField(&w.Level)
		case jsonlex.KeyIs(key, "payload"):
			raw, err := l.Raw()
			w.Payload = raw
			return err
		case jsonlex.KeyIs(key, "message"):
			raw, err := l.Raw()
			w.Message = raw
			return err
		case jsonlex.KeyIs(key, "base64"):
			lit, err := l.Literal()
			switch {
			case err != nil:
				return fmt.Errorf("base64: want true or false")
			case lit == "null":
				w.Base64 = nil
			default:
				b := lit == "true"
				w.Base64 = &b
			}
			return nil
		case jsonlex.KeyIs(key, "headers"):
			if l.Null() {
				w.Headers = nil
				return nil
			}
			if w.Headers == nil {
				w.Headers = map[string]string{}
			}
			return l.Object(func(name []byte) error {
				var v string
				if err := l.StringField(&v); err != nil {
					return err
				}
				w.Headers[string(name)] = v
				return nil
			})
		}
		return l.Skip()
	})
	return w, err
}

// scanKeys reads what parseWrapper rejected, taking every value as it
// comes: hasKey reports that the envelope's key is a key of the object
// (even one found before the line turns out not to be JSON), and, when
// the line is a valid JSON object, message is its "message" value.
func scanKeys(line []byte) (hasKey bool, message []byte, valid bool) {
	l := jsonlex.New(line)
	err := l.Object(func(key []byte) error {
		switch {
		case jsonlex.KeyIs(key, VersionKey):
			hasKey = true
		case jsonlex.KeyIs(key, "message"):
			raw, err := l.Raw()
			message = raw
			return err
		}
		return l.Skip()
	})
	if err == nil {
		err = l.End()
	}
	if err != nil {
		return hasKey, nil, false
	}
	return hasKey, message, true
}
