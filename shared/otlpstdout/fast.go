package otlpstdout

import (
	"bytes"
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
	if l.Peek() == 'n' {
		if _, err := l.Literal(); err != nil {
			return w, err
		}
		return w, l.End()
	}
	err := l.Object(func(key []byte) error {
		switch {
		case fold(key, VersionKey):
			return str(l, &w.Version)
		case fold(key, "source"):
			return str(l, &w.Source)
		case fold(key, "endpoint"):
			return str(l, &w.Endpoint)
		case fold(key, "method"):
			return str(l, &w.Method)
		case fold(key, "content-type"):
			return str(l, &w.ContentType)
		case fold(key, "content-encoding"):
			return str(l, &w.ContentEncoding)
		case fold(key, "level"):
			return str(l, &w.Level)
		case fold(key, "payload"):
			raw, err := l.Raw()
			w.Payload = raw
			return err
		case fold(key, "message"):
			raw, err := l.Raw()
			w.Message = raw
			return err
		case fold(key, "base64"):
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
		case fold(key, "headers"):
			if null(l) {
				w.Headers = nil
				return nil
			}
			if w.Headers == nil {
				w.Headers = map[string]string{}
			}
			return l.Object(func(name []byte) error {
				var v string
				if err := str(l, &v); err != nil {
					return err
				}
				w.Headers[string(name)] = v
				return nil
			})
		}
		return l.Skip()
	})
	if err != nil {
		return w, err
	}
	return w, l.End()
}

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
