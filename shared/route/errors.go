package route

import (
	"fmt"
	"strings"
)

// FieldError is one problem with one collector's configuration. ParseConfig,
// ParseCollector and NewTable return every problem found, joined with
// errors.Join; errors.As finds the first, and the joined error's
// Unwrap() []error lists all of them. No FieldError contains a header
// value.
type FieldError struct {
	// Index is the collector's position in the list, or -1 when it was
	// read on its own (ParseCollector).
	Index int
	// Collector is the collector's name as configured, "" when missing.
	Collector string
	// Field is the key path, e.g. "endpoint", "headers.Authorization",
	// "match.sources.include[1]"; "" for the collector as a whole.
	Field string
	// Line is the YAML line of the value when known, else 0.
	Line int
	// Problem says what is wrong and, where it helps, how to fix it.
	Problem string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	switch {
	case e.Index >= 0 && e.Collector != "":
		fmt.Fprintf(&b, "collectors[%d] (%q)", e.Index, clip(e.Collector))
	case e.Index >= 0:
		fmt.Fprintf(&b, "collectors[%d]", e.Index)
	default:
		fmt.Fprintf(&b, "collector %q", clip(e.Collector))
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " line %d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// clip shortens a configured (non-secret) value for an error message.
func clip(s string) string {
	const maxLen = 80
	if len(s) <= maxLen {
		return s
	}
	return s[:maxLen] + "..."
}
