package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otlpfwd/otlpfwd/loadtest"
)

var htmlDir = flag.String("html-dir", "", "also write the pages TestHTMLRunLengths renders to this directory, to look at")

func TestHTMLGolden(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport(t).WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	wellFormed(t, b.Bytes())
	golden(t, "report.html", b.Bytes())
}

// wellFormed parses page as XML (the template writes XHTML-compatible
// markup) and checks that it is self-contained.
func wellFormed(t *testing.T, page []byte) (svgs int) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = true
	var stack []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			stack = append(stack, e.Name.Local)
			switch e.Name.Local {
			case "svg":
				svgs++
			case "script", "link", "img", "iframe", "object":
				t.Errorf("page has a <%s> element: not self-contained", e.Name.Local)
			}
			for _, a := range e.Attr {
				if a.Name.Local == "href" || a.Name.Local == "src" || strings.HasPrefix(a.Name.Local, "on") {
					t.Errorf("<%s %s=%q>: not self-contained", e.Name.Local, a.Name.Local, a.Value)
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("unclosed elements: %v", stack)
	}
	if bytes.Contains(page, []byte("url(")) || bytes.Contains(page, []byte("@import")) {
		t.Error("page loads something from outside")
	}
	return svgs
}

func TestHTMLEscapesEveryText(t *testing.T) {
	hostile := `<script>alert("x")</script> & <b>bold</b>`
	r := sample(t)
	r.Setup.Machine, r.Setup.Note, r.Setup.Mode, r.Setup.Sink = hostile, hostile, hostile, hostile
	r.Functions[hostile] = loadtest.FunctionUsage{Invocations: 1}
	var b bytes.Buffer
	if err := New(r, loadtest.DefaultPrices(), hostile).WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	wellFormed(t, b.Bytes())
	if strings.Contains(page, "<script") || strings.Contains(page, "<b>") {
		t.Error("hostile text reached the page unescaped")
	}
	if !strings.Contains(page, "&lt;script&gt;") {
		t.Error("hostile text is not on the page, escaped")
	}
}

func TestHTMLRunLengths(t *testing.T) {
	for _, tc := range []struct {
		name    string
		seconds int
		gap     bool
	}{
		{"empty", 0, false},
		{"one second", 1, false},
		{"10 s", 10, false},
		{"60 s with a stall", 60, true},
		{"1 h", 3600, true},
		{"3 h", 3 * 3600, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sample(t)
			r.Series = steadyRun(tc.seconds, tc.gap)
			var b bytes.Buffer
			if err := New(r, loadtest.DefaultPrices(), loadtest.Arm64).WriteHTML(&b); err != nil {
				t.Fatal(err)
			}
			if n := wellFormed(t, b.Bytes()); n != 3 {
				t.Errorf("%d SVG charts, want 3 (throughput, latency, cost)", n)
			}
			if *htmlDir != "" {
				name := filepath.Join(*htmlDir, strings.ReplaceAll(tc.name, " ", "-")+".html")
				if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			page := b.String()
			if got := strings.Count(page, "no data"); (tc.seconds == 0) != (got == 2) {
				t.Errorf("%d 'no data' charts for %d points", got, tc.seconds)
			}
			for _, pl := range polylines(page) {
				if n := len(strings.Fields(pl)); n > maxPoints {
					t.Errorf("a line has %d points, want at most %d", n, maxPoints)
				}
				if strings.Contains(pl, "NaN") || strings.Contains(pl, "Inf") {
					t.Errorf("a line has a non-number: %.80s", pl)
				}
			}
		})
	}
}

// steadyRun makes n seconds of a steady run; with gap, seconds 20-29 deliver
// nothing.
func steadyRun(n int, gap bool) []loadtest.Point {
	var ps []loadtest.Point
	var w, d int
	for i := 1; i <= n; i++ {
		rate, p50, p99 := 1000.0, 800+100*math.Sin(float64(i)/7), 2000+900*math.Sin(float64(i)/3)
		if gap && i >= 20 && i < 30 {
			rate, p50, p99 = 0, 0, 0
		}
		w += 1000
		d += int(rate)
		ps = append(ps, loadtest.Point{T: float64(i), Written: w, Delivered: d, Rate: rate, LatencyP50Ms: p50, LatencyP99Ms: p99})
	}
	return ps
}

func polylines(page string) []string {
	var out []string
	for _, part := range strings.Split(page, `<polyline points="`)[1:] {
		pts, _, _ := strings.Cut(part, `"`)
		out = append(out, pts)
	}
	return out
}
