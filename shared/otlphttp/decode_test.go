package otlphttp

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

func TestParseRetryAfter(t *testing.T) {
	now := testNow
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"7", 7 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"999999999999", maxRetryAfter},
		{"-3", 0},
		{"1.5", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http1123), 90 * time.Second},
		{now.Add(90 * time.Second).Format(time.RFC850), 90 * time.Second},
		{now.Add(90 * time.Second).Format(time.ANSIC), 90 * time.Second},
		{now.Add(-time.Second).Format(http1123), 0},
		{now.Add(48 * time.Hour).Format(http1123), maxRetryAfter},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

const http1123 = "Mon, 02 Jan 2006 15:04:05 GMT"

func TestExcerpt(t *testing.T) {
	secrets := map[string]string{"Authorization": "Bearer tok-0123456789", "X-Short": "abc"}
	tests := []struct {
		name, contentType string
		body              []byte
		want              string
	}{
		{"text", "text/plain", []byte("  bad\r\n\trequest\x00 "), "bad request"},
		{"invalid UTF-8", "", []byte("bad \xff byte"), "bad \uFFFD byte"},
		{"protobuf status", "application/x-protobuf", marshalProto(t, rpcStatus(t, 3, "field too long")), "field too long"},
		{"protobuf status without message", "application/x-protobuf", []byte{0x08, 0x0e}, "google.rpc.Status code 14"},
		{"undecodable protobuf", "application/x-protobuf", []byte{0x12, 0x7f, 'x'}, "undecodable google.rpc.Status: unexpected EOF"},
		{"JSON status", "application/json", []byte(`{"code":3,"message":"bad \"json\""}`), `bad "json"`},
		{"JSON that is not a status", "application/json", []byte(`{"error":"nope"}`), `{"error":"nope"}`},
		{"token echoed alone", "text/plain", []byte("token tok-0123456789 expired"), "token [REDACTED] expired"},
		{"whole value echoed", "text/plain", []byte("got Bearer tok-0123456789"), "got [REDACTED]"},
		{"short values are left alone", "text/plain", []byte("abc Bearer"), "abc Bearer"},
		{"empty", "text/plain", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := excerpt(tt.body, tt.contentType, secrets); got != tt.want {
				t.Errorf("excerpt = %q, want %q", got, tt.want)
			}
		})
	}
	long := excerpt([]byte(strings.Repeat("é", 1000)), "text/plain", nil)
	if len(long) > maxExcerpt || !utf8.ValidString(long) || !strings.HasSuffix(long, "...") {
		t.Errorf("long excerpt: %d bytes, valid UTF-8 %v, %q...", len(long), utf8.ValidString(long), long[len(long)-8:])
	}
}

func TestDecodePartialSuccess(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		json    bool
		sig     otlp.Signal
		want    PartialSuccess
		wantErr bool
	}{
		{"empty protobuf", nil, false, otlp.Traces, PartialSuccess{}, false},
		{"empty JSON", []byte(" "), true, otlp.Traces, PartialSuccess{}, false},
		{"JSON without partial success", []byte(`{}`), true, otlp.Logs, PartialSuccess{}, false},
		{"JSON null partial success", []byte(`{"partialSuccess":null}`), true, otlp.Logs, PartialSuccess{}, false},
		{"JSON count of another signal is not read", []byte(`{"partialSuccess":{"rejectedSpans":"3"}}`), true, otlp.Logs, PartialSuccess{}, false},
		{"JSON bad count", []byte(`{"partialSuccess":{"rejectedLogRecords":"many"}}`), true, otlp.Logs, PartialSuccess{}, true},
		{"JSON not an object", []byte(`[1]`), true, otlp.Logs, PartialSuccess{}, true},
		{"protobuf unknown fields skipped", append([]byte{0x10, 0x01, 0x1d, 1, 2, 3, 4}, marshalProto(t, exportResponse(t, otlp.Logs, 9, "m"))...),
			false, otlp.Logs, PartialSuccess{Rejected: 9, Message: "m"}, false},
		{"protobuf repeated partial success merges", append(
			marshalProto(t, exportResponse(t, otlp.Traces, 1, "first")),
			0x0a, 0x02, 0x08, 0x05), // a second partial_success with only rejected = 5
			false, otlp.Traces, PartialSuccess{Rejected: 5, Message: "first"}, false},
		{"protobuf truncated", []byte{0x0a, 0x05, 0x08}, false, otlp.Traces, PartialSuccess{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodePartialSuccess(tt.body, tt.json, tt.sig)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("decodePartialSuccess = %+v, %v; want %+v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func FuzzDecodePartialSuccess(f *testing.F) {
	for _, sig := range otlp.Signals {
		m := exportResponse(f, sig, 42, "rejected")
		f.Add(marshalProto(f, m), false, uint8(sig))
		f.Add(marshalJSON(f, m, false), true, uint8(sig))
		f.Add(marshalJSON(f, m, true), true, uint8(sig))
	}
	f.Add([]byte{0x0a, 0x80}, false, uint8(1))
	f.Fuzz(func(t *testing.T, body []byte, asJSON bool, sig uint8) {
		ps, err := decodePartialSuccess(body, asJSON, otlp.Signal(sig))
		if err != nil && !ps.IsZero() {
			t.Errorf("error %v with a non-zero result %+v", err, ps)
		}
	})
}

func FuzzExcerpt(f *testing.F) {
	f.Add(marshalProto(f, rpcStatus(f, 3, "bad")), "application/x-protobuf")
	f.Add(marshalJSON(f, rpcStatus(f, 3, "bad"), false), "application/json")
	f.Add([]byte("secret-value-123 in text\x00\xff"), "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		const secret = "secret-value-123"
		got := excerpt(body, contentType, map[string]string{"Authorization": secret})
		if len(got) > maxExcerpt || !utf8.ValidString(got) || strings.Contains(got, secret) {
			t.Errorf("excerpt = %q: over %d bytes, invalid UTF-8 or holding the secret", got, maxExcerpt)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("excerpt %q holds control character %U", got, r)
			}
		}
	})
}
