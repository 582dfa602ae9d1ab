package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// count formats n with thousands separators: 1,234,567.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// num formats v with d decimals and thousands separators.
func num(v float64, d int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', d, 64)
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	out := count(n)
	if frac != "" {
		out += "." + frac
	}
	if v < 0 && strings.Trim(s, "0.") != "" {
		out = "-" + out
	}
	return out
}

// usd formats dollars with about three significant digits below $10 and
// whole or two-decimal amounts above.
func usd(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "n/a"
	case a == 0:
		return "$0"
	case a >= 1000:
		return "$" + num(v, 0)
	case a >= 10:
		return "$" + num(v, 2)
	}
	d := min(2-int(math.Floor(math.Log10(a))), 9)
	s := strconv.FormatFloat(v, 'f', max(d, 2), 64)
	for strings.HasSuffix(s, "0") && len(s)-strings.IndexByte(s, '.') > 3 {
		s = s[:len(s)-1]
	}
	return "$" + s
}

// size formats bytes in binary units: 512 B, 1.5 KiB, 23.4 MiB.
func size(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for math.Abs(b) >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return num(b, 0) + " B"
	}
	return num(b, 1) + " " + units[i]
}

// short formats a magnitude compactly: 950, 1.2k, 15k, 2M, 10M.
func short(v float64) string {
	a := math.Abs(v)
	for _, u := range []struct {
		div float64
		sfx string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if a >= u.div {
			return trimZero(strconv.FormatFloat(v/u.div, 'f', 1, 64)) + u.sfx
		}
	}
	if a >= 10 || a == 0 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return trimZero(strconv.FormatFloat(v, 'f', 2, 64))
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// pct formats a ratio as a percentage: 0.153 is 15%, 3.8 is 380%.
func pct(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "n/a"
	}
	switch p := math.Abs(r * 100); {
	case p == 0:
		return "0%"
	case p < 0.1:
		return "<0.1%"
	case p < 1:
		return fmt.Sprintf("%.1f%%", r*100)
	}
	return num(r*100, 0) + "%"
}

// ms formats milliseconds.
func ms(v float64) string {
	if v >= 100 {
		return num(v, 0)
	}
	return num(v, 1)
}
