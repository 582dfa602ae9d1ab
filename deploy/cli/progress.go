package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/otlpfwd/otlpfwd/deploy/dlqops"
)

// progress shows a redrive as it goes: a bar on a terminal, one line per
// dead letter otherwise (logs, CI).
type progress struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func newProgress(w io.Writer, terminal bool, total int) *progress {
	p := &progress{w: w}
	if terminal {
		if total <= 0 {
			total = -1 // unknown: a spinner
		}
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("redrive"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("dead letters"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionFullWidth(), progressbar.OptionClearOnFinish())
	}
	return p
}

// event reports one dead letter (dlqops calls it one at a time).
func (p *progress) event(ev dlqops.Event) {
	if p.bar != nil {
		_ = p.bar.Add(1)
		if ev.Outcome == dlqops.Failed || ev.Outcome == dlqops.NotDeleted {
			// Keep failures on screen above the bar.
			_ = p.bar.Clear()
			fmt.Fprintf(p.w, "%s: %s\n", ev.Outcome, ev.Why)
		}
		return
	}
	line := fmt.Sprintf("%-16s %s", ev.Outcome, strings.Join(ev.MessageIDs, ","))
	if ev.Collector != "" {
		line += " collector=" + ev.Collector
	}
	if ev.Signal != "" {
		line += " signal=" + ev.Signal
	}
	line += fmt.Sprintf(" reason=%s items=%d", ev.Reason, ev.Items)
	if ev.Why != "" {
		line += ": " + ev.Why
	}
	fmt.Fprintln(p.w, line)
}

// done removes the bar.
func (p *progress) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
