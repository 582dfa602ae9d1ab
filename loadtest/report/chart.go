package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Chart geometry, in SVG user units.
const (
	chartW, chartH = 900.0, 260.0
	padL, padR     = 64.0, 16.0
	padT, padB     = 30.0, 36.0
	// maxPoints is the most points a line keeps; longer series are
	// averaged (or maxed) over buckets of consecutive points.
	maxPoints = 450
)

// pt is one sample; a NaN Y is a gap (no data that second).
type pt struct{ X, Y float64 }

// series is one line to draw.
type series struct {
	Name, Color string
	Dashed      bool
	Pts         []pt
	// Peak keeps each bucket's maximum when downsampling (for tail
	// latency); otherwise buckets are averaged.
	Peak bool
}

// chart is a line chart laid out for the template: every number is
// already a coordinate and every string plain text for it to escape.
type chart struct {
	Title, Note    string
	W, H           float64
	X, Y, PW, PH   float64 // plot area
	XLabelY        float64 // baseline of the time labels
	XTicks, YTicks []tick
	Lines          []line
	Empty          bool
	YLabel         string
}

type tick struct {
	Pos   float64
	Label string
}

type line struct {
	Name, Color string
	Dash        string   // stroke-dasharray, "" for solid
	Paths       []string // polyline points, one per unbroken run
	Dots        []pt     // points with no neighbour, drawn as dots
	KeyX        float64  // legend position
}

// newChart lays out ss over a shared x axis in seconds and a y axis from
// 0. Series are sorted by X; NaN and negative Y are gaps.
func newChart(title, yLabel string, ss []series) chart {
	c := chart{Title: title, YLabel: yLabel, W: chartW, H: chartH, X: padL, Y: padT, PW: chartW - padL - padR, PH: chartH - padT - padB}
	c.XLabelY = c.Y + c.PH + 16
	minX, maxX, maxY := math.Inf(1), math.Inf(-1), 0.0
	bucket := 1
	for i := range ss {
		p := slices.Clone(ss[i].Pts)
		slices.SortStableFunc(p, func(a, b pt) int { return cmpFloat(a.X, b.X) })
		p = slices.DeleteFunc(p, func(q pt) bool { return math.IsNaN(q.X) || math.IsInf(q.X, 0) })
		if n := (len(p) + maxPoints - 1) / maxPoints; n > 1 {
			bucket = max(bucket, n)
			p = downsample(p, n, ss[i].Peak)
		}
		ss[i].Pts = p
		for _, q := range p {
			minX, maxX = min(minX, q.X), max(maxX, q.X)
			if valid(q.Y) {
				maxY = max(maxY, q.Y)
			}
		}
	}
	if minX > maxX || maxY == 0 && !anyValid(ss) {
		c.Empty = true
		return c
	}
	if minX == maxX {
		minX, maxX = minX-1, maxX+1
	}
	if bucket > 1 {
		c.Note = fmt.Sprintf("each point summarises %d s", bucket)
	}
	yMax, yStep := niceScale(maxY * 1.05) // keep lines off the frame
	sx := func(x float64) float64 { return c.X + (x-minX)/(maxX-minX)*c.PW }
	sy := func(y float64) float64 { return c.Y + c.PH - y/yMax*c.PH }
	for v := 0.0; v <= yMax+yStep/2; v += yStep {
		c.YTicks = append(c.YTicks, tick{Pos: round1(sy(v)), Label: short(v)})
	}
	for _, v := range timeTicks(minX, maxX) {
		c.XTicks = append(c.XTicks, tick{Pos: round1(sx(v)), Label: clock(v, maxX-minX)})
	}
	keyX := c.X
	for _, s := range ss {
		l := line{Name: s.Name, Color: s.Color, KeyX: round1(keyX)}
		if s.Dashed {
			l.Dash = "5 3"
		}
		keyX += 40 + 7*float64(len([]rune(s.Name)))
		var run []string
		var last pt
		flush := func() {
			switch len(run) {
			case 0:
			case 1:
				l.Dots = append(l.Dots, pt{round1(sx(last.X)), round1(sy(last.Y))})
			default:
				l.Paths = append(l.Paths, strings.Join(run, " "))
			}
			run = run[:0]
		}
		for _, q := range s.Pts {
			if !valid(q.Y) {
				flush()
				continue
			}
			run = append(run, coord(sx(q.X))+","+coord(sy(q.Y)))
			last = q
		}
		flush()
		c.Lines = append(c.Lines, l)
	}
	return c
}

// downsample replaces each n consecutive points with one at their mean X
// and the mean (or peak) of their valid Y, NaN when none is.
func downsample(p []pt, n int, peak bool) []pt {
	out := make([]pt, 0, (len(p)+n-1)/n)
	for i := 0; i < len(p); i += n {
		b := p[i:min(i+n, len(p))]
		var sx, sy float64
		var ny int
		top := math.NaN()
		for _, q := range b {
			sx += q.X
			if valid(q.Y) {
				sy += q.Y
				ny++
				if !(top >= q.Y) {
					top = q.Y
				}
			}
		}
		y := math.NaN()
		switch {
		case ny > 0 && peak:
			y = top
		case ny > 0:
			y = sy / float64(ny)
		}
		out = append(out, pt{sx / float64(len(b)), y})
	}
	return out
}

// niceScale returns an axis top at or above v and a step of 1, 2 or 5
// times a power of ten giving at most 5 intervals.
func niceScale(v float64) (top, step float64) {
	if !(v > 0) {
		return 1, 0.25
	}
	raw := v / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if step = m * mag; step >= raw {
			break
		}
	}
	return math.Ceil(v/step-1e-9) * step, step
}

// timeTicks returns round times (in seconds) across [lo, hi].
func timeTicks(lo, hi float64) []float64 {
	span := hi - lo
	step := 1.0
	for _, s := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 14400, 28800, 86400} {
		step = s
		if span/s <= 8 {
			break
		}
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi+1e-9; v += step {
		out = append(out, v)
	}
	return out
}

// clock labels a time in seconds: "45s" on short runs, "12m" or "1h30m"
// on long ones.
func clock(v, span float64) string {
	s := int64(math.Round(v))
	switch {
	case span <= 180:
		return strconv.FormatInt(s, 10) + "s"
	case s%3600 == 0 && s > 0:
		return strconv.FormatInt(s/3600, 10) + "h"
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	case s%60 == 0:
		return strconv.FormatInt(s/60, 10) + "m"
	}
	return fmt.Sprintf("%dm%02ds", s/60, s%60)
}

func valid(y float64) bool { return !math.IsNaN(y) && !math.IsInf(y, 0) && y >= 0 }

func anyValid(ss []series) bool {
	for _, s := range ss {
		for _, q := range s.Pts {
			if valid(q.Y) {
				return true
			}
		}
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func coord(v float64) string { return strconv.FormatFloat(round1(v), 'f', -1, 64) }

// bars is a horizontal bar chart of named values.
type bars struct {
	W, H, LabelW, BarW float64
	Rows               []bar
	Empty              bool
}

type bar struct {
	Y, Len, ValueX  float64
	Label, Value    string
	Color, Estimate string
}

// newBars lays out values as bars scaled to the largest.
func newBars(names []string, values []float64, estimate []bool) bars {
	const rowH, labelW, valueW = 26.0, 250.0, 110.0
	b := bars{W: chartW, LabelW: labelW, BarW: chartW - labelW - valueW}
	top := 0.0
	for _, v := range values {
		if valid(v) {
			top = max(top, v)
		}
	}
	b.Empty = top == 0
	for i, n := range names {
		v := values[i]
		r := bar{Y: float64(i) * rowH, Label: n, Value: usd(v), Color: "#3b6ea8"}
		if valid(v) && top > 0 {
			r.Len = round1(max(v/top*b.BarW, 1))
		}
		r.ValueX = labelW + r.Len + 6
		if estimate[i] {
			r.Color, r.Estimate = "#a9bfd8", "estimate"
		}
		b.Rows = append(b.Rows, r)
	}
	b.H = float64(len(names))*rowH + 4
	return b
}
