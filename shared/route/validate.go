package route

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

var namePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// normalize returns a deep copy of c with defaults filled in and
// case-insensitive values lower-cased. It never fails; validate judges
// the result.
func normalize(c Collector) Collector {
	c.Endpoint = strings.TrimRight(c.Endpoint, "/")
	if len(c.Headers) == 0 {
		c.Headers = nil
	} else {
		c.Headers = maps.Clone(c.Headers)
	}
	if len(c.Signals) == 0 {
		c.Signals = Signals{otlp.Traces, otlp.Metrics, otlp.Logs}
	} else {
		c.Signals = slices.Clone(c.Signals)
		slices.Sort(c.Signals)
		c.Signals = slices.Compact(c.Signals)
	}
	c.Match = Match{
		LogGroups: Rules{Include: cloneList(c.Match.LogGroups.Include), Exclude: cloneList(c.Match.LogGroups.Exclude)},
		Sources:   Rules{Include: cloneList(c.Match.Sources.Include), Exclude: cloneList(c.Match.Sources.Exclude)},
	}
	c.Compression = Compression(strings.ToLower(string(c.Compression)))
	if c.Compression == "" {
		c.Compression = CompressionGzip
	}
	c.Encoding = Encoding(strings.ToLower(string(c.Encoding)))
	if c.Encoding == "" {
		c.Encoding = EncodingProtobuf
	}
	c.Mode = Mode(strings.ToLower(string(c.Mode)))
	if c.Mode == "" {
		c.Mode = ModeMerge
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxRequestBytes == 0 {
		c.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if len(c.PassHeaders) == 0 {
		c.PassHeaders = nil
	} else {
		ph := make([]string, 0, len(c.PassHeaders))
		for _, h := range c.PassHeaders {
			if h = strings.ToLower(h); !slices.Contains(ph, h) {
				ph = append(ph, h)
			}
		}
		c.PassHeaders = ph
	}
	return c
}

// cloneList copies a list; an empty one becomes nil.
func cloneList(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

// managedHeaders are set by the forwarder or by HTTP itself; a collector
// may neither configure nor pass them.
var managedHeaders = []string{
	"content-type", "content-encoding", "content-length", "host",
	"transfer-encoding", "connection", "keep-alive", "te", "trailer",
	"upgrade", "proxy-connection",
}

// validate reports what is wrong with a normalized collector.
func validate(c *Collector, p *problems) {
	switch {
	case c.Name == "":
		p.add("name", "required: 1 to %d characters from A-Z a-z 0-9 . _ -", MaxNameLen)
	case !namePattern.MatchString(c.Name):
		p.add("name", "%q: use 1 to %d characters from A-Z a-z 0-9 . _ - (the name is part of partition keys and secret names)", clip(c.Name), MaxNameLen)
	}
	validateEndpoint(c.Endpoint, p)
	validateHeaders(c.Headers, p)
	for i, sig := range c.Signals {
		if !sig.Valid() {
			p.add(fmt.Sprintf("signals[%d]", i), "%v is not a signal: want traces, metrics or logs", sig)
		}
	}
	validateGlobs("match.log_groups.include", c.Match.LogGroups.Include, p)
	validateGlobs("match.log_groups.exclude", c.Match.LogGroups.Exclude, p)
	validateRegexps("match.sources.include", c.Match.Sources.Include, p)
	validateRegexps("match.sources.exclude", c.Match.Sources.Exclude, p)
	switch c.Compression {
	case CompressionGzip, CompressionZstd, CompressionNone:
	default:
		p.add("compression", "%q: want gzip, zstd or none", clip(string(c.Compression)))
	}
	switch c.Encoding {
	case EncodingProtobuf, EncodingJSON:
	default:
		p.add("encoding", "%q: want protobuf or json", clip(string(c.Encoding)))
	}
	switch c.Mode {
	case ModeMerge:
	case ModePassthrough:
		if c.Compression != CompressionGzip || c.Encoding != EncodingProtobuf {
			p.add("mode", "passthrough forwards the exporters' gzip protobuf bytes untouched: it needs compression gzip and encoding protobuf (use mode merge to re-encode)")
		}
	default:
		p.add("mode", "%q: want merge or passthrough", clip(string(c.Mode)))
	}
	if c.Timeout < 0 || c.Timeout > MaxTimeout {
		p.add("timeout", "%s: want more than 0 and at most %s", c.Timeout, MaxTimeout)
	}
	if c.MaxRequestBytes < 0 || c.MaxRequestBytes > MaxMaxRequestBytes {
		p.add("max_request_bytes", "%d: want more than 0 and at most %d (64 MiB)", c.MaxRequestBytes, MaxMaxRequestBytes)
	}
	for i, h := range c.PassHeaders {
		f := fmt.Sprintf("pass_headers[%d]", i)
		switch {
		case strings.ContainsAny(h, "*?"):
			p.add(f, "%q: wildcards are not supported; name each header", clip(h))
		case !validToken(h):
			p.add(f, "%q is not a valid header name", clip(h))
		case slices.Contains(managedHeaders, h):
			p.add(f, "%q is set by the forwarder and cannot be passed", h)
		case configured(c.Headers, h):
			p.add(f, "%q is set in headers: a record must not override the collector's own header; remove one of the two", h)
		}
	}
	if c.PlainLogs && !c.Wants(otlp.Logs) {
		p.add("plain_logs", "plain log lines become OTLP logs, but signals leaves out logs")
	}
}

func validateEndpoint(s string, p *problems) {
	if s == "" {
		p.add("endpoint", "required: the collector's base URL, e.g. https://collector.example.com:4318")
		return
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Error repeats the URL, which may hold credentials.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		p.add("endpoint", "not a URL: %v", err)
		return
	}
	if u.User != nil {
		p.add("endpoint", "credentials in the URL are not allowed (the URL is logged): put them in headers")
		return
	}
	// Messages show the URL without its query and fragment, which may hold
	// an API key.
	shown := clip((&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String())
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		p.add("endpoint", "%q: want an http or https URL", shown)
		return
	}
	if u.Host == "" || u.Hostname() == "" {
		p.add("endpoint", "%q has no host", shown)
	}
	if u.RawQuery != "" || u.ForceQuery {
		p.add("endpoint", "no query string allowed: the signal path is appended to the base URL (put API keys in headers)")
	}
	if u.Fragment != "" {
		p.add("endpoint", "no fragment allowed")
	}
	for _, sig := range otlp.Signals {
		if strings.HasSuffix(u.Path, sig.Path()) {
			p.add("endpoint", "%q: give the base URL without %s; the signal path is appended", shown, sig.Path())
		}
	}
}

// configured reports whether headers sets name, in any case.
func configured(h Headers, name string) bool {
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func validateHeaders(h Headers, p *problems) {
	seen := map[string]string{}
	for _, name := range h.Names() {
		f := "headers." + name
		lower := strings.ToLower(name)
		switch {
		case !validToken(name):
			p.add(f, "not a valid header name")
		case slices.Contains(managedHeaders, lower):
			p.add(f, "set by the forwarder; it cannot be configured")
		case seen[lower] != "":
			p.add(f, "the same header as %q (names are case-insensitive)", seen[lower])
		}
		seen[lower] = name
		v := h[name]
		if v == "" {
			p.add(f, "empty value")
		}
		for i := 0; i < len(v); i++ {
			if b := v[i]; (b < 0x20 && b != '\t') || b == 0x7f {
				p.add(f, "the value holds a control character at byte %d (a stray newline?)", i)
				break
			}
		}
	}
}

// validToken reports whether s is an HTTP token (RFC 9110), as header
// names must be.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(b)) {
			return false
		}
	}
	return true
}

// logGroupChars are the characters of CloudWatch log group names, plus the
// two wildcards.
func validGlobChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("._-/#*?", r)
}

func validateGlobs(field string, globs []string, p *problems) {
	for i, g := range globs {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case g == "":
			p.add(f, "empty pattern")
		case len(g) > 1024:
			p.add(f, "longer than 1024 characters")
		case strings.IndexFunc(g, func(r rune) bool { return !validGlobChar(r) }) >= 0:
			p.add(f, "%q has characters no log group name has (globs take * and ?; regular expressions belong in match.sources)", clip(g))
		}
	}
}

func validateRegexps(field string, res []string, p *problems) {
	for i, re := range res {
		f := fmt.Sprintf("%s[%d]", field, i)
		if re == "" {
			p.add(f, "empty pattern (an empty include list already includes everything)")
			continue
		}
		if _, err := regexp.Compile(re); err != nil {
			p.add(f, "not a valid RE2 regular expression: %v", err)
		}
	}
}

// duplicateNames reports names used more than once, compared without
// case (two collectors "prod" and "Prod" are a mistake waiting to happen).
func duplicateNames(cs []Collector) []error {
	var errs []error
	first := map[string]int{}
	for i, c := range cs {
		if c.Name == "" {
			continue
		}
		key := strings.ToLower(c.Name)
		j, dup := first[key]
		if !dup {
			first[key] = i
			continue
		}
		errs = append(errs, &FieldError{Index: i, Collector: c.Name, Field: "name",
			Problem: fmt.Sprintf("used by collectors[%d] (%q) already; names must be unique (compared without case)", j, cs[j].Name)})
	}
	return errs
}
