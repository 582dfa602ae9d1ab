package record

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

func sample() *Record {
	return &Record{
		Collector: "honeycomb",
		Signal:    otlp.Metrics,
		Headers:   map[string]string{"x-tenant": "t1", "x-b": ""},
		Created:   time.UnixMilli(1764000000123),
		Items: []Item{
			{Payload: []byte{0x1f, 0x8b, 1, 2, 3}, Encoding: Gzip, RawSize: 900, Items: 7, Source: "checkout",
				LogGroup: "/aws/lambda/checkout", LogStream: "2026/11/24/[$LATEST]abc", Owner: "123456789012",
				Region: "eu-west-1", Shard: "shardId-000000000001", Seq: "4959", Time: time.UnixMilli(1764000000000)},
			{Payload: []byte{0x0a, 0x00}, RawSize: 2},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	r := sample()
	b := Marshal(nil, r)
	if len(b) != Size(r) {
		t.Fatalf("Size = %d, Marshal wrote %d", Size(r), len(b))
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, r)
	}
	// Head + AppendItem builds the same bytes.
	head := *r
	head.Items = nil
	if HeadSize(r) != len(Marshal(nil, &head)) {
		t.Fatalf("HeadSize = %d, head is %d bytes", HeadSize(r), len(Marshal(nil, &head)))
	}
	built := Marshal(nil, &head)
	for i := range r.Items {
		n := len(built)
		built = AppendItem(built, &r.Items[i])
		if len(built)-n != ItemSize(&r.Items[i]) {
			t.Fatalf("ItemSize(%d) = %d, wrote %d", i, ItemSize(&r.Items[i]), len(built)-n)
		}
	}
	if !bytes.Equal(built, b) {
		t.Fatal("head + AppendItem differs from Marshal")
	}
}

func TestUnmarshalErrors(t *testing.T) {
	good := Marshal(nil, sample())
	tests := map[string]struct {
		in   []byte
		want string
	}{
		"empty":         {nil, "bad header"},
		"json":          {[]byte(`{"collector":"x"}`), "bad header"},
		"future":        {append([]byte("OTF\x09"), good[4:]...), "version 9 not supported"},
		"truncated":     {good[:len(good)-3], "tier-2 record"},
		"no collector":  {Marshal(nil, &Record{Signal: otlp.Traces}), "no collector"},
		"bad signal":    {Marshal(nil, &Record{Collector: "c", Signal: 9}), "unknown signal 9"},
		"empty payload": {Marshal(nil, &Record{Collector: "c", Signal: otlp.Traces, Items: []Item{{Source: "s"}}}), "empty payload"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Unmarshal(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Unmarshal error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add(Marshal(nil, sample()))
	f.Add([]byte("OTF\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Unmarshal(b)
		if err != nil {
			return
		}
		// What decodes re-encodes to something that decodes the same.
		again, err := Unmarshal(Marshal(nil, r))
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if again.Collector != r.Collector || len(again.Items) != len(r.Items) {
			t.Fatalf("re-encoded record differs: %+v vs %+v", again, r)
		}
	})
}
