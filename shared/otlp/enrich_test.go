package otlp

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	common "go.opentelemetry.io/proto/slim/otlp/common/v1"
	logs "go.opentelemetry.io/proto/slim/otlp/logs/v1"
	resource "go.opentelemetry.io/proto/slim/otlp/resource/v1"
	"google.golang.org/protobuf/proto"
)

// resourceAttrs decodes b and returns, per container, the resource's
// attributes as "key=value" strings, and the containers without their
// resource.
func resourceAttrs(t testing.TB, sig Signal, b []byte) (attrs [][]string, rest []proto.Message) {
	t.Helper()
	m, err := unmarshal(sig, b)
	if err != nil {
		t.Fatalf("does not decode: %v", err)
	}
	l := layouts[sig]
	rxs := m.ProtoReflect().Get(m.ProtoReflect().Descriptor().Fields().ByNumber(l.resourceX)).List()
	for i := 0; i < rxs.Len(); i++ {
		rx := rxs.Get(i).Message()
		resFD := rx.Descriptor().Fields().ByNumber(l.resource)
		var kvs []string
		if rx.Has(resFD) {
			res := rx.Get(resFD).Message()
			list := res.Get(res.Descriptor().Fields().ByName("attributes")).List()
			for k := 0; k < list.Len(); k++ {
				kv := list.Get(k).Message().Interface().(*common.KeyValue)
				kvs = append(kvs, fmt.Sprintf("%q=%s", kv.Key, fmtValue(kv.Value)))
			}
		}
		attrs = append(attrs, kvs)
		c := proto.Clone(rx.Interface())
		c.ProtoReflect().Clear(resFD)
		rest = append(rest, c)
	}
	return attrs, rest
}

func fmtValue(v *common.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *common.AnyValue_StringValue:
		return fmt.Sprintf("%q", x.StringValue)
	case *common.AnyValue_ArrayValue:
		s := "["
		for _, e := range x.ArrayValue.GetValues() {
			s += fmtValue(e) + " "
		}
		return s + "]"
	case nil:
		return "<none>"
	}
	return fmt.Sprintf("%v", v.GetValue())
}

// wantEnriched is what Enrich should make of one resource's attributes.
func wantEnriched(have []string, attrs []Attr) []string {
	out := append([]string(nil), have...)
	keys := map[string]bool{}
	for _, kv := range have {
		k, _ := strconv.QuotedPrefix(kv)
		keys[k] = true
	}
	for _, a := range attrs {
		a.Key, a.Str = strings.ToValidUTF8(a.Key, "\uFFFD"), strings.ToValidUTF8(a.Str, "\uFFFD")
		if q := strconv.Quote(a.Key); keys[q] {
			continue
		} else {
			keys[q] = true
		}
		v := &common.AnyValue{Value: &common.AnyValue_StringValue{StringValue: a.Str}}
		if a.Strs != nil {
			arr := &common.ArrayValue{}
			for _, s := range a.Strs {
				s = strings.ToValidUTF8(s, "\uFFFD")
				arr.Values = append(arr.Values, &common.AnyValue{Value: &common.AnyValue_StringValue{StringValue: s}})
			}
			v = &common.AnyValue{Value: &common.AnyValue_ArrayValue{ArrayValue: arr}}
		}
		out = append(out, fmt.Sprintf("%q=%s", a.Key, fmtValue(v)))
	}
	return out
}

// checkEnrich asserts what Enrich promises for b and attrs, and returns
// its result.
func checkEnrich(t testing.TB, sig Signal, b []byte, attrs []Attr) []byte {
	t.Helper()
	out := Enrich(sig, b, attrs)
	if _, err := Scan(sig, out); err != nil {
		t.Fatalf("Enrich made an invalid request: %v", err)
	}
	before, restBefore := resourceAttrs(t, sig, b)
	after, restAfter := resourceAttrs(t, sig, out)
	if len(before) != len(after) {
		t.Fatalf("%d containers became %d", len(before), len(after))
	}
	for i := range before {
		if want := wantEnriched(before[i], attrs); fmt.Sprint(after[i]) != fmt.Sprint(want) {
			t.Fatalf("container %d: attributes\n %v\nbecame\n %v\nwant\n %v", i, before[i], after[i], want)
		}
		if !proto.Equal(restBefore[i], restAfter[i]) {
			t.Fatalf("container %d: changed beyond its resource attributes", i)
		}
	}
	again := Enrich(sig, out, attrs)
	if len(again) != len(out) || (len(out) > 0 && &again[0] != &out[0]) {
		t.Fatalf("Enrich is not idempotent")
	}
	return out
}

func TestEnrich(t *testing.T) {
	aws := []Attr{{Key: "cloud.provider", Str: "aws"}, {Key: "cloud.region", Str: "eu-west-1"}, {Key: "aws.log.group.names", Strs: []string{"/aws/lambda/f"}}}
	logReq := func(res ...*common.KeyValue) []byte {
		return mustMarshal(t, &collogs.ExportLogsServiceRequest{ResourceLogs: []*logs.ResourceLogs{
			{Resource: resWith(res...), ScopeLogs: []*logs.ScopeLogs{{LogRecords: []*logs.LogRecord{{SeverityText: "x"}}}}, SchemaUrl: "u"},
		}})
	}
	tests := []struct {
		name  string
		sig   Signal
		b     []byte
		attrs []Attr
		same  bool // Enrich returns b itself
		want  [][]string
	}{
		{name: "adds what is missing", sig: Logs, b: logReq(str("service.name", "f")), attrs: aws,
			want: [][]string{{`"service.name"="f"`, `"cloud.provider"="aws"`, `"cloud.region"="eu-west-1"`, `"aws.log.group.names"=["/aws/lambda/f" ]`}}},
		{name: "never overwrites", sig: Logs, b: logReq(str("cloud.provider", "gcp")), attrs: aws,
			want: [][]string{{`"cloud.provider"="gcp"`, `"cloud.region"="eu-west-1"`, `"aws.log.group.names"=["/aws/lambda/f" ]`}}},
		{name: "nothing to add", sig: Logs, b: logReq(str("cloud.provider", "x"), str("cloud.region", "y"), str("aws.log.group.names", "z")), attrs: aws, same: true},
		{name: "no attrs", sig: Logs, b: logReq(), attrs: nil, same: true},
		{name: "no containers", sig: Traces, b: nil, attrs: aws, same: true},
		{name: "malformed", sig: Traces, b: []byte{0x0a, 0x05, 0x0a}, attrs: aws, same: true},
		{name: "missing resource gets one", sig: Traces, b: lenF(1, lenF(2, lenF(2, strF(5, "op")))), attrs: aws[:1],
			want: [][]string{{`"cloud.provider"="aws"`}}},
		{name: "empty values", sig: Metrics, b: lenF(1), attrs: []Attr{{Key: "s"}, {Key: "a", Strs: []string{}}},
			want: [][]string{{`"s"=""`, `"a"=[]`}}},
		{name: "first of duplicate keys", sig: Metrics, b: lenF(1), attrs: []Attr{{Key: "k", Str: "1"}, {Key: "k", Str: "2"}},
			want: [][]string{{`"k"="1"`}}},
		// The resource may come in pieces, which decoding merges: keys
		// of every piece count, and the new attributes go in the last.
		{name: "resource in two pieces", sig: Traces,
			b:     lenF(1, lenF(1, lenF(1, strF(1, "cloud.provider"), lenF(2, strF(1, "x")))), strF(3, "url"), lenF(1, lenF(1, strF(1, "a"), lenF(2, strF(1, "b"))))),
			attrs: aws[:2], want: [][]string{{`"cloud.provider"="x"`, `"a"="b"`, `"cloud.region"="eu-west-1"`}}},
		{name: "invalid UTF-8 is replaced", sig: Logs, b: logReq(), attrs: []Attr{{Key: "k\xff", Str: "v\xfe", Strs: nil}},
			want: [][]string{{`"k` + "\uFFFD" + `"="v` + "\uFFFD" + `"`}}},
		{name: "several containers", sig: Traces, b: cat(lenF(1, lenF(1, lenF(1, strF(1, "cloud.region")))), varF(99, 1), lenF(1)), attrs: aws[1:2],
			want: [][]string{{`"cloud.region"=<none>`}, {`"cloud.region"="eu-west-1"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Enrich(tt.sig, tt.b, tt.attrs)
			if tt.same {
				if len(out) != len(tt.b) || (len(out) > 0 && &out[0] != &tt.b[0]) {
					t.Fatal("Enrich did not return its input")
				}
				if _, err := Scan(tt.sig, tt.b); err != nil {
					return // malformed: allocating an error is fine
				}
				if n := testing.AllocsPerRun(10, func() { Enrich(tt.sig, tt.b, tt.attrs) }); n != 0 {
					t.Errorf("Enrich allocates %v times when it adds nothing", n)
				}
				return
			}
			got, _ := resourceAttrs(t, tt.sig, out)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("attributes\n got %v\nwant %v", got, tt.want)
			}
			checkEnrich(t, tt.sig, tt.b, tt.attrs)
		})
	}
}

func resWith(kvs ...*common.KeyValue) *resource.Resource {
	if len(kvs) == 0 {
		return nil
	}
	return &resource.Resource{Attributes: kvs}
}

func TestEnrichProperties(t *testing.T) {
	keys := []string{"service.name", "cloud.provider", "cloud.region", "k0.a", "new.key"}
	for _, sig := range Signals {
		g := newGen(3000 + uint64(sig))
		for range 300 {
			b := g.request(sig)
			var attrs []Attr
			for range g.n(4) {
				a := Attr{Key: keys[g.r.IntN(len(keys))], Str: g.text()}
				if g.r.IntN(3) == 0 {
					a.Strs = []string{g.text(), g.text()}
				}
				attrs = append(attrs, a)
			}
			checkEnrich(t, sig, b, attrs)
		}
	}
}
