package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Template is a CloudFormation or SAM template in long form: short-form
// intrinsics (!Ref X) are read as their long form ({"Ref": "X"}).
type Template struct {
	// Dir is the folder the template was read from; relative CodeUri
	// paths start there. "" means the current folder.
	Dir string
	// Body is the whole template: maps, slices, strings, numbers, bools.
	Body map[string]any
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", path, err)
	}
	t.Dir = filepath.Dir(path)
	return t, nil
}

// Parse reads a template in YAML (short-form intrinsics allowed) or JSON.
func Parse(data []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("parse: empty template")
	}
	v, err := longForm(doc.Content[0])
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	body, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("parse: the template is not a mapping")
	}
	if _, ok := body["Resources"].(map[string]any); !ok {
		return nil, errors.New("parse: the template has no Resources")
	}
	return &Template{Body: body}, nil
}

// longForm converts a YAML node to plain values, short-form intrinsics to
// their long form.
func longForm(n *yaml.Node) (any, error) {
	if n.Kind == yaml.AliasNode {
		return longForm(n.Alias)
	}
	if fn, ok := intrinsic(n.Tag); ok {
		return intrinsicValue(fn, n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key that is not a scalar", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			v, err := longForm(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := longForm(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

// intrinsic maps a short-form tag to its long-form key.
func intrinsic(tag string) (string, bool) {
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") {
		return "", false
	}
	switch name := tag[1:]; name {
	case "Ref", "Condition":
		return name, true
	default:
		return "Fn::" + name, true
	}
}

func intrinsicValue(fn string, n *yaml.Node) (any, error) {
	plain := *n
	plain.Tag = ""
	if n.Kind == yaml.ScalarNode {
		plain.Tag = "!!str"
	}
	v, err := longForm(&plain)
	if err != nil {
		return nil, err
	}
	if s, ok := v.(string); ok && fn == "Fn::GetAtt" {
		res, attr, found := strings.Cut(s, ".")
		if !found {
			return nil, fmt.Errorf("line %d: !GetAtt %q: want Resource.Attribute", n.Line, s)
		}
		v = []any{res, attr}
	}
	return map[string]any{fn: v}, nil
}

// JSON is the template as compact JSON, ready for CloudFormation.
func (t *Template) JSON() ([]byte, error) {
	b, err := json.Marshal(t.Body)
	if err != nil {
		return nil, fmt.Errorf("encode template: %w", err)
	}
	return b, nil
}

// Clone returns a deep copy.
func (t *Template) Clone() *Template {
	return &Template{Dir: t.Dir, Body: deepCopy(t.Body).(map[string]any)}
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = deepCopy(e)
		}
		return s
	default:
		return v
	}
}

// Resources returns the Resources section (the same maps as Body).
func (t *Template) Resources() map[string]map[string]any {
	out := map[string]map[string]any{}
	rs, _ := t.Body["Resources"].(map[string]any)
	for name, r := range rs {
		if m, ok := r.(map[string]any); ok {
			out[name] = m
		}
	}
	return out
}

// Properties returns a resource's Properties (nil if it has none).
func Properties(resource map[string]any) map[string]any {
	p, _ := resource["Properties"].(map[string]any)
	return p
}

// Type returns a resource's Type.
func Type(resource map[string]any) string {
	s, _ := resource["Type"].(string)
	return s
}

// Parameter is one template parameter.
type Parameter struct {
	Name          string
	Type          string
	Default       string
	HasDefault    bool
	NoEcho        bool
	AllowedValues []string
	Description   string
}

// Parameters returns the template's parameters sorted by name.
func (t *Template) Parameters() []Parameter {
	ps, _ := t.Body["Parameters"].(map[string]any)
	out := make([]Parameter, 0, len(ps))
	for name, v := range ps {
		m, _ := v.(map[string]any)
		p := Parameter{Name: name}
		p.Type, _ = m["Type"].(string)
		p.Description, _ = m["Description"].(string)
		if d, ok := m["Default"]; ok {
			p.Default, p.HasDefault = scalarString(d), true
		}
		p.NoEcho = scalarString(m["NoEcho"]) == "true"
		if av, ok := m["AllowedValues"].([]any); ok {
			for _, a := range av {
				p.AllowedValues = append(p.AllowedValues, scalarString(a))
			}
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Parameter returns the parameter called name.
func (t *Template) Parameter(name string) (Parameter, bool) {
	ps := t.Parameters()
	i := slices.IndexFunc(ps, func(p Parameter) bool { return p.Name == name })
	if i < 0 {
		return Parameter{}, false
	}
	return ps[i], true
}

// OutputKeys returns the names of the template's outputs, sorted.
func (t *Template) OutputKeys() []string {
	os, _ := t.Body["Outputs"].(map[string]any)
	keys := make([]string, 0, len(os))
	for k := range os {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// scalarString formats a YAML scalar the way CloudFormation sees it.
func scalarString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}
