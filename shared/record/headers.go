package record

import (
	"sort"
	"strings"
)

// HeaderKey is a stable key for a set of passed headers: records with the
// same key can share a request.
func HeaderKey(h map[string]string) string {
	if len(h) == 0 {
		return ""
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	for _, k := range keys {
		sb.WriteString(k)
		sb.WriteByte(0)
		sb.WriteString(h[k])
		sb.WriteByte(0)
	}
	return sb.String()
}
