package coldstart

import (
	"testing"
	"time"
)

func TestParseInitTrace(t *testing.T) {
	stderr := []byte("init internal/bytealg @0.008 ms, 0 ms clock, 0 bytes, 0 allocs\n" +
		"some log line\n" +
		"init github.com/aws/aws-sdk-go-v2/service/sqs/schemas @3.3 ms, 0.29 ms clock, 150776 bytes, 920 allocs\n" +
		"init github.com/otlpfwd/otlpfwd/shared/otlp @4.8 ms, 0.52 ms clock, 133968 bytes, 623 allocs\n")
	got := ParseInitTrace(stderr)
	if len(got) != 3 {
		t.Fatalf("parsed %d inits, want 3: %+v", len(got), got)
	}
	want := Init{Package: "github.com/otlpfwd/otlpfwd/shared/otlp", At: 4800 * time.Microsecond, Clock: 520 * time.Microsecond, Bytes: 133968, Allocs: 623}
	if got[2] != want {
		t.Errorf("got %+v, want %+v", got[2], want)
	}
	mods := []string{"github.com/otlpfwd/otlpfwd", "github.com/aws/aws-sdk-go-v2/service/sqs", "github.com/aws/aws-sdk-go-v2"}
	s := Summarize(got, mods, 2)
	if s.Packages != 3 || s.Clock != 810*time.Microsecond || s.End != 5320*time.Microsecond || s.Allocs != 1543 {
		t.Errorf("summary %+v", s)
	}
	if len(s.Top) != 2 || s.Top[0].Package != want.Package {
		t.Errorf("top %+v", s.Top)
	}
	if s.Modules[0].Module != "github.com/otlpfwd/otlpfwd" || s.Modules[1].Module != "github.com/aws/aws-sdk-go-v2/service/sqs" || s.Modules[2].Module != "std" {
		t.Errorf("modules %+v", s.Modules)
	}
}

func TestSymbolPackage(t *testing.T) {
	tests := []struct{ sym, want string }{
		{"github.com/aws/aws-sdk-go-v2/service/sqs.(*Client).SendMessage", "github.com/aws/aws-sdk-go-v2/service/sqs"},
		{"go.yaml.in/yaml/v3.(*parser).parse", "go.yaml.in/yaml/v3"},
		{"type:.eq.github.com/otlpfwd/otlpfwd/shared/route.Collector", "github.com/otlpfwd/otlpfwd/shared/route"},
		{"go:itab.*github.com/klauspost/compress/gzip.Writer,io.Writer", "github.com/klauspost/compress/gzip"},
		{"sync/atomic.(*Pointer[go.shape.struct { github.com/x/y.z }]).Load", "sync/atomic"},
		{"runtime.mallocgc", "runtime"},
		{"slices.SortFunc[go.shape.[]string,go.shape.string]", "slices"},
		{"go:string.*", "(runtime data)"},
		{"go:func.*", "(runtime data)"},
		{"_cgo_init", "(runtime data)"},
	}
	for _, tt := range tests {
		if got := symbolPackage(tt.sym); got != tt.want {
			t.Errorf("symbolPackage(%q) = %q, want %q", tt.sym, got, tt.want)
		}
	}
	mods := []string{"github.com/aws/aws-sdk-go-v2", "github.com/aws/aws-sdk-go-v2/service/sqs"}
	for p, want := range map[string]string{
		"github.com/aws/aws-sdk-go-v2/service/sqs/types": "github.com/aws/aws-sdk-go-v2/service/sqs",
		"github.com/aws/aws-sdk-go-v2/aws/retry":         "github.com/aws/aws-sdk-go-v2",
		"github.com/aws/aws-sdk-go-v2x/foo":              "std",
		"net/http":                                       "std",
		"(runtime data)":                                 "(runtime data)",
	} {
		if got := moduleOf(p, mods); got != want {
			t.Errorf("moduleOf(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestSummarizeDurations(t *testing.T) {
	var ds []time.Duration
	for i := 20; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := summarize(ds)
	want := Durations{Min: time.Millisecond, Median: 11 * time.Millisecond, P90: 18 * time.Millisecond, Max: 20 * time.Millisecond}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	if got := summarize(ds[:1]); got.P90 != 20*time.Millisecond {
		t.Errorf("summarize of one = %+v", got)
	}
}
