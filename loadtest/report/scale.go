package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/otlpfwd/otlpfwd/loadtest"
)

// grid is a table of text: a header and rows of the same width. Columns
// after the first are numbers unless Left says otherwise.
type grid struct {
	Head []string
	Rows [][]string
	Left map[int]bool
}

// scaleView is the scale model as tables and lists, shared by the
// Markdown and HTML renderers.
type scaleView struct {
	Summary, Monthly, Limits grid
	Assumptions, Measured    []string
	BatchNotes               []string
}

func newScaleView(rows []loadtest.Scale) scaleView {
	var v scaleView
	if len(rows) == 0 {
		return v
	}
	v.Summary = grid{
		Head: []string{"spans/s", "raw shards", "export shards", "ingest concurrency", "export concurrency", "first limit", "$ a month", "$ per million"},
		Left: map[int]bool{5: true},
	}
	for _, s := range rows {
		v.Summary.Rows = append(v.Summary.Rows, []string{
			short(s.Rate),
			shards(s.Raw), shards(s.Export),
			concurrency(s.Raw), concurrency(s.Export),
			firstLimit(s.First),
			usd(s.Monthly.Total), usd(s.PerMillion),
		})
	}

	v.Monthly.Head = []string{"$ a month"}
	v.Limits.Head = []string{"limit (use at each rate)"}
	for _, s := range rows {
		v.Monthly.Head = append(v.Monthly.Head, short(s.Rate)+" spans/s")
		v.Limits.Head = append(v.Limits.Head, short(s.Rate))
	}
	v.Limits.Head = append(v.Limits.Head, "quota")
	for i, c := range rows[0].Monthly.Components() {
		row := []string{c.Name}
		for _, s := range rows {
			row = append(row, usd(s.Monthly.Components()[i].USD))
		}
		v.Monthly.Rows = append(v.Monthly.Rows, row)
	}
	total := []string{"total (estimates excluded)"}
	for _, s := range rows {
		total = append(total, usd(s.Monthly.Total))
	}
	v.Monthly.Rows = append(v.Monthly.Rows, total)

	for i, l := range rows[0].Limits {
		if l.Scope == "batch" {
			continue
		}
		row := []string{l.Name + ", " + scope(l.Scope)}
		for _, s := range rows {
			row = append(row, pct(s.Limits[i].Use))
		}
		v.Limits.Rows = append(v.Limits.Rows, append(row, quota(l)))
	}
	for _, l := range rows[0].Limits {
		if l.Scope == "batch" {
			v.BatchNotes = append(v.BatchNotes, fmt.Sprintf("%s: %s of %s %s (%s); does not grow with the rate", l.Name, num(l.Need, 0), num(l.Quota, 0), l.Unit, pct(l.Use)))
		}
	}

	a, m := rows[0].Assumptions, rows[0].PerItem
	v.Assumptions = []string{
		fmt.Sprintf("Lambda on %s; a month is %s hours; list prices of US East (N. Virginia).", a.Arch, num(a.HoursPerMonth, 0)),
		fmt.Sprintf("Shards are sized so that no shard runs above %s of its limits (write %s/s and %s records/s, read %s/s shared by %d reader) and no Lambda slot is busy more than %s of the time.",
			pct(a.Utilization), size(a.ShardWriteBytes), num(a.ShardWriteRecords, 0), size(a.ShardReadBytes), a.Readers, pct(a.Utilization)),
		fmt.Sprintf("Event source mappings run one batch per shard per parallelization slot (ParallelizationFactor ingest %d, export %d); concurrency is shards x that factor, what the mappings run at once while they catch up (the mean is rate x Lambda time per span).",
			a.IngestParallelization, a.ExportParallelization),
		fmt.Sprintf("Account quotas at their defaults: %s concurrent Lambda executions, %s Kinesis shards (US East); both can be raised.",
			num(float64(a.AccountConcurrency), 0), num(float64(a.AccountShards), 0)),
		fmt.Sprintf("Batches of %d (ingest) and %d (export) records, capped at %s of invocation payload (base64 data plus about %s bytes of JSON per record); PutRecords takes %d entries a call.",
			a.IngestBatchSize, a.ExportBatchSize, size(a.BatchPayloadBytes), num(a.EventRecordOverhead, 0), a.PutRecordsEntries),
		"CloudWatch Logs subscription delivery into the raw stream is bounded by the raw stream's shards, so it appears as the raw stream write limit.",
		"Records, invocations and Lambda time per span are the measured run's; at higher rates batches fill more, so these can only fall and the model errs on the dear side.",
		logsPricing(rows[0].Prices),
		"KMS and Secrets Manager are rough estimates, outside the total; data transfer, EMF metrics, the functions' own logs and log storage are not counted.",
	}
	v.Measured = []string{
		fmt.Sprintf("CloudWatch Logs: %s bytes a span", num(m.LogBytes, 1)),
		fmt.Sprintf("raw stream: %s bytes, %s records and %s PUT units a span", num(m.RawBytes, 1), sig(m.RawRecords), sig(m.RawPutUnits)),
		fmt.Sprintf("export stream: %s bytes, %s records and %s PUT units a span", num(m.ExportBytes, 1), sig(m.ExportRecords), sig(m.ExportPutUnits)),
		fmt.Sprintf("ingest: %s ms and %s invocations a span at %d MB", sig(m.IngestMs), sig(m.IngestInvocations), m.IngestMemoryMB),
		fmt.Sprintf("export: %s ms and %s invocations a span at %d MB", sig(m.ExportMs), sig(m.ExportInvocations), m.ExportMemoryMB),
		fmt.Sprintf("SQS: %s requests a span", sig(m.SQSRequests)),
	}
	return v
}

func shards(t loadtest.Tier) string {
	return fmt.Sprintf("%s (%s)", count(int64(t.Shards)), t.SizedBy)
}

func concurrency(t loadtest.Tier) string {
	return fmt.Sprintf("%s (mean %s)", count(int64(t.MaxConcurrency)), num(t.Busy, 1))
}

func scope(s string) string {
	if s == "shard" {
		return "per shard"
	}
	return s
}

func quota(l loadtest.Limit) string {
	q := num(l.Quota, 0) + " " + l.Unit
	switch l.Unit {
	case "bytes/s":
		q = size(l.Quota) + "/s"
	case "batches":
		return num(l.Quota, 0) + " a shard (ParallelizationFactor, up to 10)"
	}
	if l.Adjustable {
		q += ", adjustable"
	}
	return q
}

// logsPricing says how the model priced CloudWatch Logs.
func logsPricing(p loadtest.Prices) string {
	if p.LogsVended {
		return fmt.Sprintf("CloudWatch Logs on the Lambda vended-log tiers of a month: %s/GB to 10 TB, %s to 30 TB, %s to 50 TB, %s beyond (the sources are Lambda functions).",
			usd(p.LogsPerGB), usd(p.LogsPerGBOver10TB), usd(p.LogsPerGBOver30TB), usd(p.LogsPerGBOver50TB))
	}
	return fmt.Sprintf("CloudWatch Logs at a flat %s/GB.", usd(p.LogsPerGB))
}

// sig formats a figure with three significant digits, without exponent.
func sig(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return num(v, 0)
	}
	d := max(2-int(math.Floor(math.Log10(math.Abs(v)))), 0)
	return trimZero(strconv.FormatFloat(v, 'f', d, 64))
}

// WriteScaleMarkdown writes the scale model as Markdown for a README: the
// summary table, monthly cost by component, the limits' use at each rate,
// the assumptions and the measured figures per span.
func WriteScaleMarkdown(w io.Writer, rows []loadtest.Scale) error {
	if len(rows) == 0 {
		_, err := io.WriteString(w, "No scale model: no rates.\n")
		return err
	}
	v := newScaleView(rows)
	var b strings.Builder
	b.WriteString("A span stands for any item (span, metric data point or log record). Computed by the loadtest tool's model from the measured figures below; numbers are machine-dependent.\n\n")
	mdTable(&b, v.Summary)
	b.WriteString("\nMonthly cost by component:\n\n")
	mdTable(&b, v.Monthly)
	b.WriteString("\nLimits, as a share of each (first limit: the highest shard or account one):\n\n")
	mdTable(&b, v.Limits)
	if len(v.BatchNotes) > 0 {
		b.WriteString("\nPer batch:\n\n")
		mdList(&b, v.BatchNotes)
	}
	b.WriteString("\nAssumptions:\n\n")
	mdList(&b, v.Assumptions)
	b.WriteString("\nMeasured, per span written:\n\n")
	mdList(&b, v.Measured)
	_, err := io.WriteString(w, b.String())
	return err
}

func mdTable(b *strings.Builder, g grid) {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	b.WriteString("|")
	for _, h := range g.Head {
		b.WriteString(" " + cell(h) + " |")
	}
	b.WriteString("\n|")
	for i := range g.Head {
		if i == 0 || g.Left[i] {
			b.WriteString("---|")
		} else {
			b.WriteString("---:|")
		}
	}
	b.WriteString("\n")
	for _, r := range g.Rows {
		b.WriteString("|")
		for _, c := range r {
			b.WriteString(" " + cell(c) + " |")
		}
		b.WriteString("\n")
	}
}

func mdList(b *strings.Builder, items []string) {
	for _, it := range items {
		b.WriteString("- " + it + "\n")
	}
}
