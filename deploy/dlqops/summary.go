package dlqops

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/shared/dlq"
	"github.com/otlpfwd/otlpfwd/shared/otlphttp"
)

// Outcome is what Redrive did with one dead letter.
type Outcome string

// Outcomes.
const (
	// Redriven: sent, and its messages deleted.
	Redriven Outcome = "redriven"
	// WouldRedrive: a dry run found it ready to send.
	WouldRedrive Outcome = "would_redrive"
	// Failed: the send failed or the target cannot take it; it stays in
	// the queue.
	Failed Outcome = "failed"
	// Skipped: not redrivable (undecodable input, not an otlpfwd message,
	// an incomplete chunk group); it stays in the queue.
	Skipped Outcome = "skipped"
	// Left: not tried, because the run was interrupted or the message's
	// lease could not be kept; it stays in the queue.
	Left Outcome = "left"
	// NotDeleted: sent, but its message could not be deleted (its lease
	// ran out, or the delete failed): it stays in the queue and a later
	// redrive sends it again (a duplicate, never a loss).
	NotDeleted Outcome = "sent_not_deleted"
)

// Event reports one dead letter's outcome.
type Event struct {
	Outcome    Outcome    `json:"outcome"`
	MessageIDs []string   `json:"message_ids"`
	Collector  string     `json:"collector,omitempty"`
	Signal     string     `json:"signal,omitempty"`
	Reason     dlq.Reason `json:"reason,omitempty"`
	Items      int        `json:"items"`
	// Target says where it went (or would go).
	Target string `json:"target,omitempty"`
	// Why explains every outcome but Redriven and WouldRedrive.
	Why string `json:"why,omitempty"`
}

// Group counts the dead letters that share an explanation, with one
// example.
type Group struct {
	Why      string `json:"why"`
	Messages int    `json:"messages"`
	Items    int    `json:"items"`
	Example  string `json:"example_message_id"`
}

// Summary is what a Redrive run did. Counts are of dead letters (a
// payload cut into chunks counts once); Read counts SQS messages.
type Summary struct {
	DryRun bool `json:"dry_run"`
	// Read is the number of SQS messages read.
	Read int `json:"messages_read"`
	// Filtered counts dead letters left alone because --collector or
	// --reason did not match.
	Filtered     int     `json:"filtered_out"`
	Redriven     Tally   `json:"redriven"`
	WouldRedrive []Group `json:"would_redrive,omitempty"`
	Failed       []Group `json:"failed"`
	Skipped      []Group `json:"skipped"`
	Left         []Group `json:"left"`
	NotDeleted   []Group `json:"sent_not_deleted"`
	// Interrupted is true when the context ended before the queue was
	// read through.
	Interrupted bool `json:"interrupted"`
	// Remaining is the queue's depth after the run (approximate; SQS's
	// counts lag by up to a minute).
	Remaining Depth `json:"remaining"`
}

// Count sums the dead letters of groups.
func Count(gs []Group) (messages, items int) {
	for _, g := range gs {
		messages += g.Messages
		items += g.Items
	}
	return
}

// OK reports a run that left nothing for the operator to look at: no
// failure, nothing skipped (undecodable input, foreign messages, an
// incomplete chunk group stay in the queue and need a look), no
// interruption, nothing sent twice.
func (s *Summary) OK() bool {
	return len(s.Problems()) == 0 && !s.Interrupted
}

// Problems names what the run left in the queue for the operator, by
// outcome, with the number of dead letters: "failed 2", "skipped 1"...
// Empty when everything chosen was redriven (or, dry run, could be).
func (s *Summary) Problems() []string {
	var out []string
	for _, o := range []struct {
		name string
		gs   []Group
	}{{"failed", s.Failed}, {"skipped", s.Skipped}, {"left", s.Left}, {"sent but not deleted", s.NotDeleted}} {
		if n, _ := Count(o.gs); n > 0 {
			out = append(out, fmt.Sprintf("%s %d", o.name, n))
		}
	}
	return out
}

// tally accumulates a Summary's groups.
type tally struct {
	groups map[Outcome]map[string]*Group
}

func newTally() *tally { return &tally{groups: map[Outcome]map[string]*Group{}} }

func (t *tally) add(ev Event) {
	key := ev.Why
	if ev.Outcome == WouldRedrive {
		key = ev.Target
	}
	m := t.groups[ev.Outcome]
	if m == nil {
		m = map[string]*Group{}
		t.groups[ev.Outcome] = m
	}
	g := m[key]
	if g == nil {
		g = &Group{Why: key}
		if len(ev.MessageIDs) > 0 {
			g.Example = ev.MessageIDs[0]
		}
		m[key] = g
	}
	g.Messages++
	g.Items += ev.Items
}

func (t *tally) list(o Outcome) []Group {
	out := []Group{}
	for _, g := range t.groups[o] {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Messages != out[j].Messages {
			return out[i].Messages > out[j].Messages
		}
		return out[i].Why < out[j].Why
	})
	return out
}

// why shortens a send error to what groups alike failures: the target and
// the collector's status, or the first clause of the error.
func why(target string, err error) string {
	var he *otlphttp.Error
	switch {
	case errors.As(err, &he) && he.Status != 0:
		s := fmt.Sprintf("%s: HTTP %d %s", target, he.Status, http.StatusText(he.Status))
		if errors.Is(err, otlphttp.ErrRetriesExhausted) {
			s += " (retries exhausted)"
		}
		return s
	case errors.As(err, &he):
		return fmt.Sprintf("%s: no answer (%v)", target, rootCause(he.Err))
	case errors.Is(err, export.ErrNotRedrivable):
		return strings.TrimPrefix(err.Error(), "not redrivable: ")
	}
	return target + ": " + err.Error()
}

func rootCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}
