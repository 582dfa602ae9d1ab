package exporter

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"testing"

	cpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
)

// env is an Options.Getenv over fixed variables.
func env(kv ...string) func(string) string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// buffer is a concurrency-safe bytes.Buffer that counts Write calls.
type buffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes++
	return b.b.Write(p)
}

func (b *buffer) lines(t testing.TB) [][]byte {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.b.Bytes()
	if len(s) > 0 && s[len(s)-1] != '\n' {
		t.Fatalf("output does not end in a newline: %.80q", s[max(0, len(s)-80):])
	}
	var out [][]byte
	for _, l := range bytes.SplitAfter(s, []byte("\n")) {
		if len(l) > 0 {
			out = append(out, l)
		}
	}
	return out
}

// decodeOne decodes the only line in b with otlpstdout.Decode, checks its
// signal and unmarshals its request into req.
func decodeOne(t *testing.T, b *buffer, sig otlp.Signal, req proto.Message) otlpstdout.Message {
	t.Helper()
	lines := b.lines(t)
	if len(lines) != 1 {
		t.Fatalf("%d lines written, want 1", len(lines))
	}
	return decodeLine(t, lines[0], sig, req)
}

func decodeLine(t testing.TB, line []byte, sig otlp.Signal, req proto.Message) otlpstdout.Message {
	t.Helper()
	msg, err := otlpstdout.Decode(line, otlpstdout.Options{})
	if err != nil {
		t.Fatalf("decode %.120s: %v", line, err)
	}
	if msg.Signal != sig {
		t.Fatalf("signal %v, want %v", msg.Signal, sig)
	}
	if err := proto.Unmarshal(msg.Proto, req); err != nil {
		t.Fatalf("unmarshal %v request: %v", sig, err)
	}
	return msg
}

// sortKeyValues sorts, in place and at every depth, each list of
// KeyValues by key: attribute order is not part of what the SDK promises.
func sortKeyValues(m proto.Message) {
	sortKV(m.ProtoReflect())
}

var keyValueName = (&cpb.KeyValue{}).ProtoReflect().Descriptor().FullName()

func sortKV(m protoreflect.Message) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				sortKV(l.Get(i).Message())
			}
			if fd.Message().FullName() == keyValueName {
				kvs := make([]*cpb.KeyValue, l.Len())
				for i := range kvs {
					kvs[i] = l.Get(i).Message().Interface().(*cpb.KeyValue)
				}
				slices.SortStableFunc(kvs, func(a, b *cpb.KeyValue) int { return strings.Compare(a.Key, b.Key) })
				for i, kv := range kvs {
					l.Set(i, protoreflect.ValueOfMessage(kv.ProtoReflect()))
				}
			}
		case fd.Message() != nil && !fd.IsMap():
			sortKV(v.Message())
		}
		return true
	})
}

// equalProto fails the test with both messages when they differ (after
// sorting attributes).
func equalProto(t *testing.T, what string, got, want proto.Message) {
	t.Helper()
	sortKeyValues(got)
	sortKeyValues(want)
	if !proto.Equal(got, want) {
		o := protojson.MarshalOptions{Multiline: true}
		t.Errorf("%s differs\n got: %s\nwant: %s", what, o.Format(got), o.Format(want))
	}
}

// Attribute literals for expected messages.
func kv(k string, v *cpb.AnyValue) *cpb.KeyValue { return &cpb.KeyValue{Key: k, Value: v} }
func sv(s string) *cpb.AnyValue {
	return &cpb.AnyValue{Value: &cpb.AnyValue_StringValue{StringValue: s}}
}
func iv(n int64) *cpb.AnyValue { return &cpb.AnyValue{Value: &cpb.AnyValue_IntValue{IntValue: n}} }
func dv(f float64) *cpb.AnyValue {
	return &cpb.AnyValue{Value: &cpb.AnyValue_DoubleValue{DoubleValue: f}}
}
func bv(b bool) *cpb.AnyValue { return &cpb.AnyValue{Value: &cpb.AnyValue_BoolValue{BoolValue: b}} }
func bytesv(b []byte) *cpb.AnyValue {
	return &cpb.AnyValue{Value: &cpb.AnyValue_BytesValue{BytesValue: b}}
}
func av(vs ...*cpb.AnyValue) *cpb.AnyValue {
	return &cpb.AnyValue{Value: &cpb.AnyValue_ArrayValue{ArrayValue: &cpb.ArrayValue{Values: vs}}}
}
func mv(kvs ...*cpb.KeyValue) *cpb.AnyValue {
	return &cpb.AnyValue{Value: &cpb.AnyValue_KvlistValue{KvlistValue: &cpb.KeyValueList{Values: kvs}}}
}
