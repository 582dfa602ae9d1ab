package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestScaleMarkdownGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteScaleMarkdown(&b, sampleReport(t).Scale); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{"| 1k |", "| 100k |", "| 10M |", "Assumptions:", "first limit"} {
		if !strings.Contains(md, want) {
			t.Errorf("no %q in the Markdown", want)
		}
	}
	// Every table row has as many cells as its header.
	for _, table := range strings.Split(md, "\n\n") {
		lines := strings.Split(strings.TrimSpace(table), "\n")
		if !strings.HasPrefix(lines[0], "|") {
			continue
		}
		cells := strings.Count(lines[0], " |")
		for _, l := range lines[1:] {
			if n := strings.Count(l, "|") - 1; !strings.HasPrefix(l, "|---") && n != cells {
				t.Errorf("row %q has %d cells, header %d", l, n, cells)
			}
		}
	}
	golden(t, "scale.md", b.Bytes())
}

func TestScaleMarkdownEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := WriteScaleMarkdown(&b, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "no rates") {
		t.Errorf("got %q", b.String())
	}
}
