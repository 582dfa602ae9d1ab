package esm

import "strings"

// compareSeq orders Kinesis sequence numbers, decimal strings of up to 128
// digits; "" counts as 0.
func compareSeq(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
