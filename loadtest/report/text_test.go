package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestTextGolden(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport(t).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.txt", b.Bytes())
}

func TestTextIdentityLine(t *testing.T) {
	for _, tc := range []struct {
		name                                    string
		written, delivered, dead, pending, miss int
		want                                    string
	}{
		{"holds", 1000, 990, 5, 3, 2, "written 1,000 = delivered 990 + dead-lettered 5 + pending 3 + missing 2: holds"},
		{"broken", 1000, 990, 5, 0, 0, "written 1,000 = delivered 990 + dead-lettered 5 + pending 0 + missing 0: BROKEN, the parts sum to 995 (-5)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rp := sampleReport(t)
			rp.Result.Written, rp.Result.Delivered, rp.Result.DeadLettered = tc.written, tc.delivered, tc.dead
			rp.Result.Pending, rp.Result.Missing = tc.pending, tc.miss
			var b bytes.Buffer
			if err := rp.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "\n  "+tc.want+"\n") {
				t.Errorf("no identity line %q in:\n%s", tc.want, b.String())
			}
		})
	}
}
