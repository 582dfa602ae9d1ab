package route

import (
	"slices"
	"strings"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

func names(cs []*Collector) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func mustTable(t testing.TB, cs []Collector, opts ...Options) *Table {
	t.Helper()
	tbl, err := NewTable(cs, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func TestMatch(t *testing.T) {
	tbl := mustTable(t, []Collector{
		{Name: "all", Endpoint: "https://all.example.com"},
		{Name: "traces-only", Endpoint: "https://t.example.com", Signals: Signals{otlp.Traces}},
		{Name: "metrics-logs", Endpoint: "https://ml.example.com", Signals: Signals{otlp.Metrics, otlp.Logs}},
		{Name: "prod", Endpoint: "https://prod.example.com", Match: Match{LogGroups: Rules{
			Include: []string{"/aws/lambda/prod-*", "/ecs/prod"}, Exclude: []string{"*-canary"}}}},
		{Name: "checkout", Endpoint: "https://co.example.com", Match: Match{Sources: Rules{
			Include: []string{"^checkout", "cart$"}, Exclude: []string{"test"}}}},
		{Name: "not-debug", Endpoint: "https://nd.example.com", Match: Match{Sources: Rules{Exclude: []string{"(?i)debug"}}}},
		{Name: "both", Endpoint: "https://both.example.com", Match: Match{
			LogGroups: Rules{Include: []string{"/aws/lambda/prod-*"}},
			Sources:   Rules{Include: []string{"^checkout$"}}}},
		{Name: "off", Endpoint: "https://off.example.com", Disabled: true},
	})
	for _, tc := range []struct {
		name             string
		sig              otlp.Signal
		logGroup, source string
		want             []string
	}{
		{"fan-out to every matching collector", otlp.Traces, "/aws/lambda/prod-api", "checkout",
			[]string{"all", "traces-only", "prod", "checkout", "not-debug", "both"}},
		{"signals filter: metrics", otlp.Metrics, "/aws/lambda/dev", "svc",
			[]string{"all", "metrics-logs", "not-debug"}},
		{"signals filter: logs", otlp.Logs, "/aws/lambda/dev", "svc",
			[]string{"all", "metrics-logs", "not-debug"}},
		{"exclude glob wins over include", otlp.Traces, "/aws/lambda/prod-api-canary", "checkout",
			[]string{"all", "traces-only", "checkout", "not-debug", "both"}},
		{"exact include glob", otlp.Traces, "/ecs/prod", "x", []string{"all", "traces-only", "prod", "not-debug"}},
		{"exact glob is whole-name", otlp.Traces, "/ecs/prod2", "x", []string{"all", "traces-only", "not-debug"}},
		{"regex unanchored at the end", otlp.Traces, "/g", "checkout-v2", []string{"all", "traces-only", "checkout", "not-debug"}},
		{"regex anchored at the start", otlp.Traces, "/g", "my-checkout", []string{"all", "traces-only", "not-debug"}},
		{"second include regex", otlp.Traces, "/g", "shopping-cart", []string{"all", "traces-only", "checkout", "not-debug"}},
		{"exclude regex wins over include", otlp.Traces, "/g", "checkout-test", []string{"all", "traces-only", "not-debug"}},
		{"exclude-only regex", otlp.Traces, "/g", "DEBUG-svc", []string{"all", "traces-only"}},
		{"both rules must pass", otlp.Traces, "/aws/lambda/prod-x", "checkout-v2",
			[]string{"all", "traces-only", "prod", "checkout", "not-debug"}},
		{"empty source fails an include regex", otlp.Traces, "/g", "", []string{"all", "traces-only", "not-debug"}},
		{"invalid signal matches nothing", otlp.Signal(9), "/g", "x", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := names(tbl.Match(nil, tc.sig, tc.logGroup, tc.source))
			if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Fatalf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMatchAppendsToDst(t *testing.T) {
	tbl := mustTable(t, []Collector{{Name: "a", Endpoint: "https://a"}, {Name: "b", Endpoint: "https://b"}})
	keep := &Collector{Name: "already"}
	dst := tbl.Match([]*Collector{keep}, otlp.Logs, "/g", "s")
	if got := names(dst); !slices.Equal(got, []string{"already", "a", "b"}) {
		t.Fatalf("Match = %v", got)
	}
	buf := make([]*Collector, 0, 4)
	dst = tbl.Match(buf, otlp.Logs, "/g", "s")
	if &dst[:1][0] != &buf[:1][0] {
		t.Fatal("Match did not reuse dst's array")
	}
}

func TestDisabled(t *testing.T) {
	tbl := mustTable(t, []Collector{{Name: "off", Endpoint: "https://off", Disabled: true, PlainLogs: true}})
	if got := tbl.Match(nil, otlp.Traces, "/g", "s"); len(got) != 0 {
		t.Fatalf("disabled collector matched: %v", names(got))
	}
	if got := tbl.PlainLogs(nil, "/g", "s"); len(got) != 0 || tbl.HasPlainLogs() {
		t.Fatalf("disabled collector wants plain logs: %v", names(got))
	}
	c, ok := tbl.Get("off")
	if !ok || !c.Disabled {
		t.Fatalf("Get(off) = %v, %t; want the disabled collector", c, ok)
	}
	if _, ok := tbl.Get("OFF"); ok {
		t.Fatal("Get is case-insensitive")
	}
}

func TestLoopGuard(t *testing.T) {
	tbl := mustTable(t, []Collector{
		{Name: "xray", Endpoint: "https://xray.us-east-1.amazonaws.com"},
		{Name: "cwlogs-cn", Endpoint: "https://logs.cn-north-1.amazonaws.com.cn"},
		{Name: "dualstack", Endpoint: "https://xray.us-east-1.api.aws"},
		{Name: "fqdn-dot", Endpoint: "https://XRAY.eu-west-1.AMAZONAWS.COM.:443", PlainLogs: true},
		{Name: "vendor", Endpoint: "https://otlp.vendor.example", PlainLogs: true},
		{Name: "lookalike", Endpoint: "https://amazonaws.com.evil.example"},
	}, Options{OwnLogGroups: []string{"/aws/lambda/otlpfwd-ingest", "/aws/lambda/otlpfwd-export"}})
	all := []string{"xray", "cwlogs-cn", "dualstack", "fqdn-dot", "vendor", "lookalike"}
	nonAWS := []string{"vendor", "lookalike"}
	for _, tc := range []struct {
		logGroup string
		want     []string
	}{
		{"aws/spans", nonAWS},
		{"/aws/lambda/otlpfwd-ingest", nonAWS},
		{"/aws/lambda/otlpfwd-export", nonAWS},
		{"/aws/lambda/otlpfwd-export-2", all}, // exact names only
		{"/aws/spans", all},
		{"/aws/lambda/app", all},
	} {
		if got := names(tbl.Match(nil, otlp.Traces, tc.logGroup, "svc")); !slices.Equal(got, tc.want) {
			t.Errorf("Match(%q) = %v, want %v", tc.logGroup, got, tc.want)
		}
	}
	if got := names(tbl.PlainLogs(nil, "aws/spans", "x")); !slices.Equal(got, []string{"vendor"}) {
		t.Errorf("PlainLogs(aws/spans) = %v, want [vendor]", got)
	}
	if got := names(tbl.PlainLogs(nil, "/aws/lambda/app", "x")); !slices.Equal(got, []string{"fqdn-dot", "vendor"}) {
		t.Errorf("PlainLogs = %v", got)
	}
}

func TestPlainLogs(t *testing.T) {
	tbl := mustTable(t, []Collector{
		{Name: "plain", Endpoint: "https://p", PlainLogs: true, Match: Match{LogGroups: Rules{Include: []string{"/aws/lambda/*"}}}},
		{Name: "otlp-only", Endpoint: "https://o"},
	})
	if !tbl.HasPlainLogs() {
		t.Fatal("HasPlainLogs = false")
	}
	if got := names(tbl.PlainLogs(nil, "/aws/lambda/fn", "fn")); !slices.Equal(got, []string{"plain"}) {
		t.Fatalf("PlainLogs = %v", got)
	}
	if got := tbl.PlainLogs(nil, "/ecs/x", "x"); len(got) != 0 {
		t.Fatalf("PlainLogs ignores the rules: %v", names(got))
	}
	if got := names(tbl.Match(nil, otlp.Logs, "/aws/lambda/fn", "fn")); !slices.Equal(got, []string{"plain", "otlp-only"}) {
		t.Fatalf("Match = %v", got)
	}
	if mustTable(t, []Collector{{Name: "o", Endpoint: "https://o"}}).HasPlainLogs() {
		t.Fatal("HasPlainLogs = true without any opt-in")
	}
}

func TestNewTableDefaultsAndValidation(t *testing.T) {
	in := []Collector{{Name: "a", Endpoint: "https://a.example.com/otlp/", Headers: Headers{"k": "v"}}}
	tbl := mustTable(t, in)
	c, _ := tbl.Get("a")
	if c.Compression != CompressionGzip || c.Encoding != EncodingProtobuf || c.Mode != ModeMerge ||
		c.Timeout != DefaultTimeout || c.MaxRequestBytes != DefaultMaxRequestBytes || len(c.Signals) != 3 {
		t.Fatalf("defaults not filled: %+v", c)
	}
	if got := c.URL(otlp.Metrics); got != "https://a.example.com/otlp/v1/metrics" {
		t.Fatalf("URL = %q", got)
	}
	in[0].Headers["k"] = "changed"
	if c.Headers["k"] != "v" {
		t.Fatal("the table shares the caller's headers map")
	}
	_, err := NewTable([]Collector{
		{Name: "ok", Endpoint: "https://a"},
		{Name: "", Endpoint: "https://b", Signals: Signals{otlp.Signal(7)}},
		{Name: "OK", Endpoint: "https://c", Timeout: -1, MaxRequestBytes: 65 << 20},
	})
	checkProblems(t, err, []fieldProblem{
		{1, "name", "required"},
		{1, "signals[0]", "not a signal"},
		{2, "timeout", "more than 0"},
		{2, "max_request_bytes", "at most"},
		{2, "name", "used by collectors[0]"},
	})
	if _, err := NewTable(nil, Options{}, Options{}); err == nil {
		t.Fatal("two Options accepted")
	}
	empty := mustTable(t, nil)
	if empty.Len() != 0 || len(empty.Match(nil, otlp.Traces, "g", "s")) != 0 {
		t.Fatal("empty table matches")
	}
	var nilTable *Table
	if nilTable.Match(nil, otlp.Traces, "g", "s") != nil || nilTable.Len() != 0 {
		t.Fatal("nil table matches")
	}
}

func TestWarnings(t *testing.T) {
	tbl := mustTable(t, []Collector{
		{Name: "insecure", Endpoint: "https://self-signed.example", InsecureSkipVerify: true},
		{Name: "plain-http", Endpoint: "http://collector.internal:4318", Headers: Headers{"Authorization": "Bearer zzz"}},
		{Name: "local-http", Endpoint: "http://127.0.0.1:4318", Headers: Headers{"Authorization": "Bearer zzz"}},
		{Name: "passes-auth", Endpoint: "https://x", PassHeaders: []string{"Authorization", "x-tenant", "X-Session-Token"}},
		{Name: "regexy", Endpoint: "https://x", Match: Match{LogGroups: Rules{Include: []string{"/aws/lambda/.*"}}}},
	})
	w := strings.Join(tbl.Warnings(), "\n")
	for _, want := range []string{
		`"insecure": insecure_skip_verify is on`,
		`"plain-http": headers [Authorization] are sent over plain http`,
		`"passes-auth": pass_headers forwards "authorization"`,
		`"passes-auth": pass_headers forwards "x-session-token"`,
		`"regexy": log group glob "/aws/lambda/.*"`,
	} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
	if strings.Contains(w, "local-http") || strings.Contains(w, "x-tenant") || strings.Contains(w, "zzz") {
		t.Errorf("unexpected warning:\n%s", w)
	}
}
