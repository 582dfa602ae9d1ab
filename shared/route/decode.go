package route

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// ParseConfig reads collectors from a JSON or YAML document: either a list
// of collectors or an object {collectors: [...]}. Unknown fields are
// errors (they are usually typos), and so is a value of the wrong type; the
// returned error lists every problem in the document (see FieldError).
// The collectors come back in document order with defaults filled in.
func ParseConfig(data []byte) ([]Collector, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, fmt.Errorf("collectors config: %w", err)
	}
	list, err := collectorList(root)
	if err != nil {
		return nil, fmt.Errorf("collectors config: %w", err)
	}
	var errs []error
	out := make([]Collector, len(list))
	for i, item := range list {
		var e []error
		out[i], e = decodeCollector(item, i, "")
		errs = append(errs, e...)
	}
	errs = append(errs, duplicateNames(out)...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseCollector reads one collector (a JSON or YAML object), as stored in
// one secret. defaultName is its name when the document names none. The
// error lists every problem (see FieldError).
func ParseCollector(data []byte, defaultName string) (Collector, error) {
	root, err := parseTree(data)
	if err != nil {
		return Collector{}, fmt.Errorf("collector config: %w", err)
	}
	c, errs := decodeCollector(root, -1, defaultName)
	if err := errors.Join(errs...); err != nil {
		return Collector{}, err
	}
	return c, nil
}

// UnmarshalJSON decodes and validates a collector as ParseCollector does.
func (c *Collector) UnmarshalJSON(data []byte) error {
	v, err := ParseCollector(data, "")
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// UnmarshalYAML decodes and validates a collector as ParseCollector does.
func (c *Collector) UnmarshalYAML(value *yaml.Node) error {
	count := 0
	n, err := fromYAML(value, 0, &count)
	if err != nil {
		return err
	}
	v, errs := decodeCollector(n, -1, "")
	if err := errors.Join(errs...); err != nil {
		return err
	}
	*c = v
	return nil
}

func collectorList(root *node) ([]*node, error) {
	switch root.kind {
	case kindList:
		if len(root.items) == 0 {
			return nil, errors.New("no collectors: the list is empty")
		}
		return root.items, nil
	case kindObject:
		var errs []error
		for _, k := range root.keys {
			if k != "collectors" {
				hint := ""
				if k == "name" || k == "endpoint" {
					hint = " (this looks like one collector: put it in a list)"
				}
				errs = append(errs, fmt.Errorf("unknown top-level key %q: want a list of collectors or {collectors: [...]}%s", k, hint))
			}
		}
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		v := root.get("collectors")
		if v == nil || v.kind == kindNull || (v.kind == kindList && len(v.items) == 0) {
			return nil, errors.New("no collectors: \"collectors\" is empty")
		}
		if v.kind != kindList {
			return nil, fmt.Errorf("\"collectors\" must be a list, not %s", v.kind)
		}
		return v.items, nil
	}
	return nil, fmt.Errorf("want a list of collectors or {collectors: [...]}, not %s", root.kind)
}

// Configuration keys, from the struct tags.
var (
	collectorKeys = jsonKeys(reflect.TypeFor[Collector]())
	matchKeys     = jsonKeys(reflect.TypeFor[Match]())
	rulesKeys     = jsonKeys(reflect.TypeFor[Rules]())
)

func jsonKeys(t reflect.Type) []string {
	keys := make([]string, 0, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	return keys
}

// problems collects the FieldErrors of one collector.
type problems struct {
	index int
	name  string
	line  int             // YAML line of the collector, 0 if unknown
	lines map[string]int  // field -> YAML line
	bad   map[string]bool // fields whose value did not decode
	errs  []error
}

// add records a validation problem, unless the field's value (or the
// whole top-level value it is part of) already failed to decode.
func (p *problems) add(field, format string, args ...any) {
	top, _, _ := strings.Cut(field, ".")
	top, _, _ = strings.Cut(top, "[")
	if p.bad[field] || p.bad[top] {
		return
	}
	line := p.lines[field]
	if line == 0 {
		line = p.line
	}
	p.errs = append(p.errs, &FieldError{Index: p.index, Collector: p.name, Field: field, Line: line, Problem: fmt.Sprintf(format, args...)})
}

// fail records a decoding problem at v.
func (p *problems) fail(field string, v *node, format string, args ...any) {
	if p.bad == nil {
		p.bad = map[string]bool{}
	}
	p.bad[field] = true
	line := p.line
	if v != nil && v.line > 0 {
		line = v.line
	}
	p.errs = append(p.errs, &FieldError{Index: p.index, Collector: p.name, Field: field, Line: line, Problem: fmt.Sprintf(format, args...)})
}

func (p *problems) seen(field string, v *node) {
	if v != nil && v.line > 0 {
		if p.lines == nil {
			p.lines = map[string]int{}
		}
		p.lines[field] = v.line
	}
}

// present reports whether a key was given a non-null value.
func present(v *node) bool { return v != nil && v.kind != kindNull }

func decodeCollector(n *node, index int, defaultName string) (Collector, []error) {
	p := &problems{index: index, name: defaultName, line: n.line}
	var c Collector
	if n.kind != kindObject {
		p.fail("", n, "want an object (name, endpoint, ...), not %s", n.kind)
		return c, p.errs
	}
	c.Name = defaultName
	if v := n.get("name"); present(v) {
		c.Name = p.str("name", v)
		p.name = c.Name
	}
	p.unknown("", n, collectorKeys)
	c.Endpoint = p.str("endpoint", n.get("endpoint"))
	c.Headers = p.headers(n.get("headers"))
	c.Signals = p.signals(n.get("signals"))
	c.Match = p.match(n.get("match"))
	c.Compression = Compression(p.str("compression", n.get("compression")))
	c.Encoding = Encoding(p.str("encoding", n.get("encoding")))
	c.Mode = Mode(p.str("mode", n.get("mode")))
	c.Timeout = p.duration("timeout", n.get("timeout"))
	c.MaxRequestBytes = p.size("max_request_bytes", n.get("max_request_bytes"))
	c.Disabled = p.boolean("disabled", n.get("disabled"))
	c.PassHeaders = p.strList("pass_headers", n.get("pass_headers"))
	c.PlainLogs = p.boolean("plain_logs", n.get("plain_logs"))
	c.InsecureSkipVerify = p.boolean("insecure_skip_verify", n.get("insecure_skip_verify"))
	c = normalize(c)
	validate(&c, p)
	return c, p.errs
}

// unknown reports keys of object n that are not in known.
func (p *problems) unknown(prefix string, n *node, known []string) {
	for i, k := range n.keys {
		ok := false
		for _, kk := range known {
			if k == kk {
				ok = true
				break
			}
		}
		if !ok {
			msg := "unknown field"
			if s := suggest(k, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += fmt.Sprintf(" (known: %s)", strings.Join(known, ", "))
			}
			p.fail(prefix+k, n.vals[i], "%s", msg)
		}
	}
}

func (p *problems) str(field string, v *node) string {
	if !present(v) {
		return ""
	}
	p.seen(field, v)
	if v.kind != kindString {
		p.fail(field, v, "want a string, not %s", v.kind)
		return ""
	}
	return v.text
}

// strList reads a list of strings; a single string is a list of one. A
// present but empty list is returned as a non-nil empty slice.
func (p *problems) strList(field string, v *node) []string {
	if !present(v) {
		return nil
	}
	p.seen(field, v)
	switch v.kind {
	case kindString:
		return []string{v.text}
	case kindList:
		out := make([]string, 0, len(v.items))
		for i, it := range v.items {
			f := fmt.Sprintf("%s[%d]", field, i)
			p.seen(f, it)
			if it.kind != kindString {
				p.fail(f, it, "want a string, not %s", it.kind)
				continue
			}
			out = append(out, it.text)
		}
		return out
	}
	p.fail(field, v, "want a list of strings, not %s", v.kind)
	return nil
}

func (p *problems) boolean(field string, v *node) bool {
	if !present(v) {
		return false
	}
	p.seen(field, v)
	if v.kind != kindBool {
		p.fail(field, v, "want true or false, not %s", v.kind)
		return false
	}
	return strings.EqualFold(v.text, "true")
}

// headers reads a map of header names to string values. The values are
// never put in a message.
func (p *problems) headers(v *node) Headers {
	if !present(v) {
		return nil
	}
	p.seen("headers", v)
	if v.kind != kindObject {
		p.fail("headers", v, "want an object of header names to values, not %s", v.kind)
		return nil
	}
	h := make(Headers, len(v.keys))
	for i, k := range v.keys {
		val := v.vals[i]
		f := "headers." + k
		p.seen(f, val)
		if val.kind != kindString {
			p.fail(f, val, "want a string value, not %s (quote it)", val.kind)
			continue
		}
		h[k] = val.text
	}
	return h
}

func (p *problems) signals(v *node) Signals {
	names := p.strList("signals", v)
	if names == nil {
		return nil
	}
	if len(names) == 0 {
		p.fail("signals", v, "empty list: leave signals out for all of them, or set disabled: true")
		return nil
	}
	out := make(Signals, 0, len(names))
	for i, name := range names {
		sig, err := otlp.ParseSignal(name)
		if err != nil {
			p.fail(fmt.Sprintf("signals[%d]", i), v, "%v", err)
			continue
		}
		out = append(out, sig)
	}
	return out
}

func (p *problems) match(v *node) Match {
	var m Match
	if !present(v) {
		return m
	}
	p.seen("match", v)
	if v.kind != kindObject {
		p.fail("match", v, "want an object with log_groups and sources, not %s", v.kind)
		return m
	}
	p.unknown("match.", v, matchKeys)
	m.LogGroups = p.rules("match.log_groups", v.get("log_groups"))
	m.Sources = p.rules("match.sources", v.get("sources"))
	return m
}

func (p *problems) rules(field string, v *node) Rules {
	var r Rules
	if !present(v) {
		return r
	}
	p.seen(field, v)
	if v.kind != kindObject {
		p.fail(field, v, "want an object with include and exclude lists, not %s", v.kind)
		return r
	}
	p.unknown(field+".", v, rulesKeys)
	r.Include = p.strList(field+".include", v.get("include"))
	r.Exclude = p.strList(field+".exclude", v.get("exclude"))
	return r
}

// duration reads a Go duration string. A bare number is an error: the
// unit would be a guess.
func (p *problems) duration(field string, v *node) time.Duration {
	if !present(v) {
		return 0
	}
	p.seen(field, v)
	switch v.kind {
	case kindNumber:
		p.fail(field, v, "%s is a bare number: give a unit, e.g. \"%ss\"", v.text, v.text)
	case kindString:
		d, err := time.ParseDuration(strings.TrimSpace(v.text))
		if err != nil {
			p.fail(field, v, "%q is not a duration: write it like \"10s\" or \"1m30s\"", clip(v.text))
			return 0
		}
		if d <= 0 {
			p.fail(field, v, "must be more than 0")
			return 0
		}
		return d
	default:
		p.fail(field, v, "want a duration such as \"10s\", not %s", v.kind)
	}
	return 0
}

// size reads a byte count: a whole number, or a string with a unit (B,
// KB, KiB, MB, MiB, GB, GiB; "8MiB", "512 KiB").
func (p *problems) size(field string, v *node) int {
	if !present(v) {
		return 0
	}
	p.seen(field, v)
	var n int64
	var err error
	switch v.kind {
	case kindNumber:
		n, err = parseCount(v.text)
	case kindString:
		n, err = parseSize(v.text)
	default:
		err = fmt.Errorf("want a number of bytes or a size such as \"8MiB\", not %s", v.kind)
	}
	if err != nil {
		p.fail(field, v, "%v", err)
		return 0
	}
	if n <= 0 {
		p.fail(field, v, "must be more than 0")
		return 0
	}
	return int(min(n, math.MaxInt32))
}

func parseCount(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 0, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("%s is not a whole number of bytes", clip(s))
	}
	return int64(f), nil
}

var sizeUnits = []struct {
	name string
	mult int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}

func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range sizeUnits {
		if len(t) > len(u.name) && strings.EqualFold(t[len(t)-len(u.name):], u.name) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.name)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is not a size: write a whole number of bytes or e.g. \"8MiB\", \"512KiB\"", clip(s))
	}
	return n * mult, nil
}

// suggest returns the known key closest to k, or "" when none is close.
func suggest(k string, known []string) string {
	canon := func(s string) string {
		return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s))
	}
	ck := canon(k)
	best, bestD := "", 3
	for _, kk := range known {
		d := levenshtein(ck, canon(kk))
		if d < bestD {
			best, bestD = kk, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
