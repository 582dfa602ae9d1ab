// Package report renders a load test's loadtest.Result: a terminal
// summary, a self-contained HTML page with SVG charts it draws itself, and
// the scale model as a Markdown table for a README.
package report
