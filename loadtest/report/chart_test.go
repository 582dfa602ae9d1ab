package report

import (
	"math"
	"testing"
)

func TestNiceScale(t *testing.T) {
	for _, tc := range []struct{ v, top, step float64 }{
		{0, 1, 0.25}, {1, 1, 0.2}, {5300, 6000, 2000}, {0.7, 0.8, 0.2}, {123456, 150000, 50000}, {-3, 1, 0.25},
	} {
		top, step := niceScale(tc.v)
		if math.Abs(top-tc.top) > 1e-9 || math.Abs(step-tc.step) > 1e-9 {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", tc.v, top, step, tc.top, tc.step)
		}
	}
}

func TestDownsample(t *testing.T) {
	nan := math.NaN()
	p := []pt{{1, 10}, {2, nan}, {3, 30}, {4, nan}, {5, nan}, {6, nan}, {7, 5}}
	mean := downsample(p, 3, false)
	peak := downsample(p, 3, true)
	if len(mean) != 3 || mean[0] != (pt{2, 20}) || !math.IsNaN(mean[1].Y) || mean[1].X != 5 || mean[2] != (pt{7, 5}) {
		t.Errorf("mean buckets %v", mean)
	}
	if peak[0].Y != 30 || !math.IsNaN(peak[1].Y) || peak[2].Y != 5 {
		t.Errorf("peak buckets %v", peak)
	}
}

func TestClockLabels(t *testing.T) {
	for _, tc := range []struct {
		v, span float64
		want    string
	}{{45, 60, "45s"}, {600, 3600, "10m"}, {3600, 3600, "1h"}, {5400, 7200, "1h30m"}, {90, 600, "1m30s"}} {
		if got := clock(tc.v, tc.span); got != tc.want {
			t.Errorf("clock(%v, %v) = %q, want %q", tc.v, tc.span, got, tc.want)
		}
	}
}

func TestFormat(t *testing.T) {
	for got, want := range map[string]string{
		count(1234567): "1,234,567", count(-1000): "-1,000", count(999): "999",
		num(1234.567, 1): "1,234.6", usd(0.5): "$0.50", usd(0.0027): "$0.0027", usd(0.000267): "$0.000267",
		usd(12.345): "$12.35", usd(424296.4): "$424,296", usd(0): "$0",
		size(512): "512 B", size(1536): "1.5 KiB", pct(0.153): "15%", pct(0.0001): "<0.1%", pct(4.234): "423%",
		short(10_000_000): "10M", short(1000): "1k", short(1500): "1.5k", sig(0.0000533): "0.0000533",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
