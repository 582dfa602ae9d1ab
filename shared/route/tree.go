package route

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// A configuration document is read into a small tree first, from JSON or
// YAML alike, so that decoding can report every problem with its place,
// reject unknown keys and duplicate keys in both syntaxes, and never echo a
// value into an error (header values are credentials).

type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindList
	kindObject
)

func (k kind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "a list", "an object"}[k]
}

type node struct {
	kind  kind
	text  string // scalar literal: the string, the number's digits, "true"
	items []*node
	keys  []string
	vals  []*node
	line  int // YAML line (1-based); 0 for JSON
}

// get returns the value of key in an object, or nil.
func (n *node) get(key string) *node {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// Limits on a document, so that a hostile or broken one (deep nesting, a
// YAML alias bomb) fails cleanly.
const (
	maxDepth = 32
	maxNodes = 100_000
)

var errEmpty = errors.New("the document is empty")

// parseTree reads a JSON or YAML document. A document that starts like
// JSON ('{' or '[' followed by a quoted string) is JSON and nothing else,
// so that a JSON mistake is reported as one instead of being read as
// lenient YAML; other documents that start with '{' or '[' are tried as
// JSON, then as YAML flow style.
func parseTree(data []byte) (*node, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errEmpty
	}
	if trimmed[0] != '{' && trimmed[0] != '[' {
		return parseYAML(data)
	}
	n, jerr := parseJSON(trimmed)
	if jerr == nil {
		return n, nil
	}
	if looksJSON(trimmed) {
		return nil, jerr
	}
	n, yerr := parseYAML(data)
	if yerr == nil {
		return n, nil
	}
	return nil, fmt.Errorf("neither valid JSON (%v) nor valid YAML (%v)", jerr, yerr)
}

// looksJSON reports whether the first token after the opening brackets is
// a double-quoted string or a closing bracket.
func looksJSON(b []byte) bool {
	i := bytes.IndexFunc(b, func(r rune) bool {
		return r != '{' && r != '[' && r != ' ' && r != '\t' && r != '\n' && r != '\r'
	})
	return i < 0 || b[i] == '"' || b[i] == ']' || b[i] == '}'
}

func parseJSON(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	count := 0
	n, err := readJSON(dec, 0, &count)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = fmt.Errorf("data after the end of the JSON value at byte %d", dec.InputOffset())
		}
	}
	if err != nil {
		return nil, jsonError(data, err)
	}
	return n, nil
}

// jsonError rewrites a syntax error without the offending character (it
// could be part of a credential) and with the line.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("JSON syntax error at line %d (byte %d)", bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))+1, se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("JSON ends before the value is complete")
	}
	return err
}

func readJSON(dec *json.Decoder, depth int, count *int) (*node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxDepth)
	}
	if *count++; *count > maxNodes {
		return nil, fmt.Errorf("more than %d values", maxNodes)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: kindObject}
			for dec.More() {
				off := dec.InputOffset()
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				if n.get(key) != nil {
					return nil, fmt.Errorf("duplicate key %q near byte %d", key, off)
				}
				v, err := readJSON(dec, depth+1, count)
				if err != nil {
					return nil, err
				}
				n.keys, n.vals = append(n.keys, key), append(n.vals, v)
			}
			_, err := dec.Token()
			return n, err
		case '[':
			n := &node{kind: kindList}
			for dec.More() {
				v, err := readJSON(dec, depth+1, count)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
			_, err := dec.Token()
			return n, err
		}
	case string:
		return &node{kind: kindString, text: t}, nil
	case json.Number:
		return &node{kind: kindNumber, text: t.String()}, nil
	case bool:
		return &node{kind: kindBool, text: fmt.Sprint(t)}, nil
	case nil:
		return &node{kind: kindNull}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token at byte %d", dec.InputOffset())
}

func parseYAML(data []byte) (*node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errEmpty
		}
		return nil, err
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, errors.New("yaml: more than one document; want one")
	}
	count := 0
	return fromYAML(&doc, 0, &count)
}

func fromYAML(y *yaml.Node, depth int, count *int) (*node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("yaml: line %d: nested deeper than %d levels", y.Line, maxDepth)
	}
	if *count++; *count > maxNodes {
		return nil, fmt.Errorf("yaml: more than %d values (after expanding aliases)", maxNodes)
	}
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return nil, errEmpty
		}
		return fromYAML(y.Content[0], depth, count)
	case yaml.AliasNode:
		return fromYAML(y.Alias, depth+1, count)
	case yaml.ScalarNode:
		n := &node{text: y.Value, line: y.Line}
		switch y.ShortTag() {
		case "!!null":
			n.kind = kindNull
		case "!!bool":
			n.kind = kindBool
		case "!!int", "!!float":
			n.kind = kindNumber
		default: // !!str, !!timestamp (kept as written), !!binary
			n.kind = kindString
		}
		return n, nil
	case yaml.SequenceNode:
		n := &node{kind: kindList, line: y.Line}
		for _, c := range y.Content {
			v, err := fromYAML(c, depth+1, count)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
		return n, nil
	case yaml.MappingNode:
		return yamlMapping(y, depth, count)
	}
	return nil, fmt.Errorf("yaml: line %d: unsupported node", y.Line)
}

func yamlMapping(y *yaml.Node, depth int, count *int) (*node, error) {
	n := &node{kind: kindObject, line: y.Line}
	var merges []*yaml.Node
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind == yaml.AliasNode {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("yaml: line %d: a key must be a plain value", k.Line)
		}
		if k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if n.get(k.Value) != nil {
			return nil, fmt.Errorf("yaml: line %d: duplicate key %q", k.Line, k.Value)
		}
		val, err := fromYAML(v, depth+1, count)
		if err != nil {
			return nil, err
		}
		n.keys, n.vals = append(n.keys, k.Value), append(n.vals, val)
	}
	// Merge keys (<<: *defaults) add the keys the mapping does not set.
	for _, m := range merges {
		if m.Kind == yaml.AliasNode {
			m = m.Alias
		}
		srcs := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			srcs = m.Content
		}
		for _, s := range srcs {
			v, err := fromYAML(s, depth+1, count)
			if err != nil {
				return nil, err
			}
			if v.kind != kindObject {
				return nil, fmt.Errorf("yaml: line %d: << merges a mapping, not %s", s.Line, v.kind)
			}
			for i, key := range v.keys {
				if n.get(key) == nil {
					n.keys, n.vals = append(n.keys, key), append(n.vals, v.vals[i])
				}
			}
		}
	}
	return n, nil
}
