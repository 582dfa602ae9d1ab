package route

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// SpansLogGroup is the log group where AWS stores spans (CloudWatch
// Application Signals, X-Ray transaction search).
const SpansLogGroup = "aws/spans"

// Options tunes a Table. The zero value is usable.
type Options struct {
	// OwnLogGroups are the exact names of the pipeline's own log groups
	// (its Lambda functions'). Like SpansLogGroup, their data never goes to
	// a collector on an AWS endpoint (see "Loop guard" in the package
	// documentation). Zero: only SpansLogGroup is guarded.
	OwnLogGroups []string
}

// Table is a compiled, immutable set of collectors, safe for concurrent
// use. The *Collector values it hands out are its own: read them, never
// change them.
type Table struct {
	all      []*Collector // configuration order, disabled ones included
	byName   map[string]*Collector
	rules    []rule // enabled collectors only
	guarded  map[string]struct{}
	plain    bool
	warnings []string
}

// rule is one enabled collector with its match rules compiled.
type rule struct {
	c          *Collector
	signals    uint8 // bit 1<<Signal
	groupsIn   []glob
	groupsEx   []glob
	sourcesIn  []*regexp.Regexp
	sourcesEx  []*regexp.Regexp
	awsBackend bool
	plainLogs  bool
}

// NewTable validates the collectors (filling in defaults, as ParseConfig
// does, for ones built in code), compiles their match rules and returns
// the table. The error lists every problem (see FieldError). At most one
// Options may be given.
func NewTable(collectors []Collector, opts ...Options) (*Table, error) {
	if len(opts) > 1 {
		return nil, errors.New("route.NewTable: at most one Options")
	}
	var o Options
	if len(opts) == 1 {
		o = opts[0]
	}
	t := &Table{
		all:     make([]*Collector, len(collectors)),
		byName:  make(map[string]*Collector, len(collectors)),
		guarded: map[string]struct{}{SpansLogGroup: {}},
	}
	for _, g := range o.OwnLogGroups {
		t.guarded[g] = struct{}{}
	}
	var errs []error
	norm := make([]Collector, len(collectors))
	for i := range collectors {
		norm[i] = normalize(collectors[i])
		p := &problems{index: i, name: norm[i].Name}
		validate(&norm[i], p)
		errs = append(errs, p.errs...)
	}
	errs = append(errs, duplicateNames(norm)...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i := range norm {
		c := &norm[i]
		t.all[i] = c
		t.byName[c.Name] = c
		t.warnings = append(t.warnings, warnings(c)...)
		if c.Disabled {
			continue
		}
		r := rule{c: c, awsBackend: isAWSEndpoint(c.Endpoint), plainLogs: c.PlainLogs}
		for _, sig := range c.Signals {
			r.signals |= 1 << sig
		}
		for _, g := range c.Match.LogGroups.Include {
			r.groupsIn = append(r.groupsIn, compileGlob(g))
		}
		for _, g := range c.Match.LogGroups.Exclude {
			r.groupsEx = append(r.groupsEx, compileGlob(g))
		}
		for _, s := range c.Match.Sources.Include {
			r.sourcesIn = append(r.sourcesIn, regexp.MustCompile(s)) // validated above
		}
		for _, s := range c.Match.Sources.Exclude {
			r.sourcesEx = append(r.sourcesEx, regexp.MustCompile(s))
		}
		t.plain = t.plain || c.PlainLogs
		t.rules = append(t.rules, r)
	}
	return t, nil
}

// Match appends to dst the collectors that receive telemetry of signal sig
// from the log group and source (service name), and returns the extended
// slice. It does not allocate beyond growing dst: pass dst[:0] of a slice
// kept between calls. Disabled collectors never match. The destinations
// are only ever configured collectors; nothing found inside a record can
// add one.
func (t *Table) Match(dst []*Collector, sig otlp.Signal, logGroup, source string) []*Collector {
	if t == nil || !sig.Valid() {
		return dst
	}
	bit := uint8(1) << sig
	guard := t.isGuarded(logGroup)
	for i := range t.rules {
		r := &t.rules[i]
		if r.signals&bit != 0 && !(guard && r.awsBackend) && r.matches(logGroup, source) {
			dst = append(dst, r.c)
		}
	}
	return dst
}

// PlainLogs appends to dst the collectors that asked for plain log lines
// (PlainLogs) and whose rules pass for the log group and source, as Match
// does for the logs signal.
func (t *Table) PlainLogs(dst []*Collector, logGroup, source string) []*Collector {
	if t == nil || !t.plain {
		return dst
	}
	guard := t.isGuarded(logGroup)
	for i := range t.rules {
		r := &t.rules[i]
		if r.plainLogs && r.signals&(1<<otlp.Logs) != 0 && !(guard && r.awsBackend) && r.matches(logGroup, source) {
			dst = append(dst, r.c)
		}
	}
	return dst
}

// HasPlainLogs reports whether any enabled collector asked for plain log
// lines, so that callers can skip converting them when none did.
func (t *Table) HasPlainLogs() bool { return t != nil && t.plain }

// Get returns the collector with the name, disabled or not.
func (t *Table) Get(name string) (*Collector, bool) {
	if t == nil {
		return nil, false
	}
	c, ok := t.byName[name]
	return c, ok
}

// Collectors returns every collector, disabled ones included, in
// configuration order.
func (t *Table) Collectors() []*Collector {
	if t == nil {
		return nil
	}
	return slices.Clone(t.all)
}

// Len is the number of collectors, disabled ones included.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.all)
}

// Warnings are the risky but valid settings found: TLS verification off,
// credentials over plain http, credential-like pass_headers, globs that
// look like regexes. Cached logs them at WARN whenever the table changes.
func (t *Table) Warnings() []string {
	if t == nil {
		return nil
	}
	return slices.Clone(t.warnings)
}

func (t *Table) isGuarded(logGroup string) bool {
	_, ok := t.guarded[logGroup]
	return ok
}

func (r *rule) matches(logGroup, source string) bool {
	if len(r.groupsIn) > 0 && !anyGlob(r.groupsIn, logGroup) {
		return false
	}
	if anyGlob(r.groupsEx, logGroup) {
		return false
	}
	if len(r.sourcesIn) > 0 && !anyRegexp(r.sourcesIn, source) {
		return false
	}
	return !anyRegexp(r.sourcesEx, source)
}

func anyRegexp(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// isAWSEndpoint reports whether the endpoint's host is an AWS service
// endpoint, whose OTLP ingestion writes back into CloudWatch Logs.
func isAWSEndpoint(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	for _, suffix := range []string{".amazonaws.com", ".amazonaws.com.cn", ".api.aws"} {
		if strings.HasSuffix(h, suffix) {
			return true
		}
	}
	return false
}

// credentialLike are record header names that usually carry credentials.
var credentialLike = []string{"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "apikey"}

func warnings(c *Collector) []string {
	var w []string
	if c.InsecureSkipVerify {
		w = append(w, fmt.Sprintf("collector %q: insecure_skip_verify is on: the TLS certificate of %s is NOT verified", c.Name, c.Endpoint))
	}
	if u, err := url.Parse(c.Endpoint); err == nil && strings.EqualFold(u.Scheme, "http") && len(c.Headers) > 0 && !isLoopback(u.Hostname()) {
		w = append(w, fmt.Sprintf("collector %q: headers %v are sent over plain http to %s", c.Name, c.Headers.Names(), u.Host))
	}
	for _, h := range c.PassHeaders {
		if slices.Contains(credentialLike, h) || strings.Contains(h, "token") || strings.Contains(h, "secret") {
			w = append(w, fmt.Sprintf("collector %q: pass_headers forwards %q, a credential-like header written by application code", c.Name, h))
		}
	}
	for _, g := range slices.Concat(c.Match.LogGroups.Include, c.Match.LogGroups.Exclude) {
		if strings.Contains(g, ".*") {
			w = append(w, fmt.Sprintf("collector %q: log group glob %q contains \".*\": in a glob '.' is literal and '*' alone matches anything", c.Name, g))
		}
	}
	return w
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
