package processor

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// traceID parses a trace id: 32 hex digits (W3C, the form aws/spans
// uses), or an X-Ray trace id "1-5759e988-bd862e3fe1be46a994272793", whose
// 8 + 24 hex digits make the same 16 bytes (X-Ray and W3C ids convert
// one-to-one).
func traceID(s string) ([]byte, error) {
	if len(s) == 35 && strings.HasPrefix(s, "1-") && s[10] == '-' {
		s = s[2:10] + s[11:]
	}
	return hexID(s, 16, "trace id")
}

// spanID parses a span id of 16 hex digits.
func spanID(s string) ([]byte, error) { return hexID(s, 8, "span id") }

func hexID(s string, size int, what string) ([]byte, error) {
	if len(s) != 2*size {
		return nil, fmt.Errorf("%s %q is not %d hex digits", what, clip(s), 2*size)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not %d hex digits", what, clip(s), 2*size)
	}
	for _, c := range b {
		if c != 0 {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%s %q is all zeros (invalid)", what, s)
}

// xrayHeader is an X-Ray trace header as Lambda passes it in
// _X_AMZN_TRACE_ID: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1".
type xrayHeader struct {
	trace, parent []byte
	sampled       bool
}

// parseXRay reads an X-Ray trace header, or a bare X-Ray trace id. ok is
// false when s holds no valid Root.
func parseXRay(s string) (h xrayHeader, ok bool) {
	if !strings.Contains(s, "=") {
		t, err := traceID(strings.TrimSpace(s))
		return xrayHeader{trace: t}, err == nil && strings.HasPrefix(strings.TrimSpace(s), "1-")
	}
	for part := range strings.SplitSeq(s, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Root":
			if t, err := traceID(v); err == nil {
				h.trace = t
			}
		case "Parent":
			if p, err := spanID(v); err == nil {
				h.parent = p
			}
		case "Sampled":
			h.sampled = v == "1"
		}
	}
	return h, h.trace != nil
}

// clip shortens s for error messages.
func clip(s string) string {
	if len(s) > 48 {
		return s[:48] + "..."
	}
	return s
}
