package exporter

import (
	"slices"
	"strings"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
)

type hdr = otlpstdout.Header

func h(name, value string) hdr { return hdr{Name: name, Value: value} }

// TestHeadersAsTheReference: the expected lists are what the reference
// Node exporter 0.17.3 built from the same variables (its `headers`,
// serialized with JSON.stringify).
func TestHeadersAsTheReference(t *testing.T) {
	for _, tc := range []struct {
		name           string
		global, traces string
		opt            map[string]string
		want           []hdr
	}{
		{
			name:   "fixture v0.17.3-headers-level",
			global: "x-tenant=acme, authorization=Bearer not-a-real-token,content-type=text/plain",
			traces: "x-tenant=acme-traces,x-extra=a=b",
			want:   []hdr{h("x-tenant", "acme-traces"), h("authorization", "Bearer not-a-real-token"), h("x-extra", "a=b")},
		},
		{
			name:   "empty values dropped, case kept, fixed headers dropped",
			global: "k=,k2= ,K3=1,k3=2,Content-Encoding=gzip",
			want:   []hdr{h("K3", "1"), h("k3", "2")},
		},
		{
			name:   "JavaScript trim",
			global: " \u00a0a = b \u00a0,\ufeffc=d\ufeff,e=\u0085f\u0085",
			want:   []hdr{h("a", "b"), h("c", "d"), h("e", "\u0085f\u0085")},
		},
		{
			name:   "array-index names first, ascending; overriding keeps the place",
			global: "b=y,2=x,1=z,10=a,9=b,01=c,4294967295=big,4294967294=max,",
			traces: "2=override,new=1",
			want: []hdr{h("1", "z"), h("2", "override"), h("9", "b"), h("10", "a"), h("4294967294", "max"),
				h("b", "y"), h("01", "c"), h("4294967295", "big"), h("new", "1")},
		},
		{
			name:   "options sorted, below the environment",
			opt:    map[string]string{"b": "opt", "a": "opt", "content-type": "x"},
			traces: "b=env,c=env",
			want:   []hdr{h("a", "opt"), h("b", "env"), h("c", "env")},
		},
		{name: "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := headers(otlp.Traces, tc.opt, env(EnvHeaders, tc.global, EnvTracesHeaders, tc.traces))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestHeadersPerSignal(t *testing.T) {
	e := env(EnvHeaders, "all=1,x=global", EnvTracesHeaders, "x=traces", EnvMetricsHeaders, "x=metrics", EnvLogsHeaders, "x=logs")
	for sig, want := range map[otlp.Signal]string{otlp.Traces: "traces", otlp.Metrics: "metrics", otlp.Logs: "logs"} {
		got, err := headers(sig, nil, e)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []hdr{h("all", "1"), h("x", want)}) {
			t.Errorf("%v: %q", sig, got)
		}
	}
}

// TestHeadersMalformed: the reference drops these pairs silently; here
// they are errors, which name the variable and the pair's position but
// never its text (values may be secrets).
func TestHeadersMalformed(t *testing.T) {
	_, err := headers(otlp.Logs, nil, env(EnvHeaders, "ok=1,Bearer s3cret", EnvLogsHeaders, "=s3cret"))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{EnvHeaders, "pair 2 has no '='", EnvLogsHeaders, "pair 1 has no name"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "s3cret") {
		t.Errorf("error %q repeats a value", msg)
	}
}

// FuzzHeaders: any variable value parses without panicking into trimmed,
// non-empty, unique names, without the fixed headers.
func FuzzHeaders(f *testing.F) {
	f.Add("x-tenant=acme, authorization=Bearer a=b,content-type=text/plain")
	f.Add(" \u00a0a = b \u00a0,\ufeffc=d\ufeff,,=x,y")
	f.Add("2=x,1=z,10=a,01=c,4294967295=big")
	f.Fuzz(func(t *testing.T, s string) {
		var hs headerList
		_ = hs.parse(s)
		seen := map[string]bool{}
		for _, h := range hs.jsOrder() {
			if h.Name == "" || h.Name != jsTrim(h.Name) || h.Value != jsTrim(h.Value) || fixedHeader(h.Name) || seen[h.Name] {
				t.Fatalf("bad header %q from %q", h, s)
			}
			seen[h.Name] = true
		}
		if len(seen) != len(hs) {
			t.Fatalf("jsOrder lost headers: %d of %d", len(seen), len(hs))
		}
	})
}
