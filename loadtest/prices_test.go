package loadtest

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestPricesFlagsOverrideDefaults(t *testing.T) {
	p := DefaultPrices()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	p.RegisterFlags(fs)
	if err := fs.Parse([]string{"--price-kinesis-shard-hour=0.02", "--price-logs-vended=false", "--price-lambda-gb-second-arm64", "0.00001"}); err != nil {
		t.Fatal(err)
	}
	want := DefaultPrices()
	want.ShardHour, want.LogsVended, want.GBSecondArm64 = 0.02, false, 0.00001
	if p != want {
		t.Errorf("after flags:\n got %+v\nwant %+v", p, want)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestPricesValidateListsEveryBadPrice(t *testing.T) {
	p := DefaultPrices()
	p.LogsPerGB, p.SQSRequestsPerMillion = -1, -0.4
	err := p.Validate()
	if err == nil {
		t.Fatal("no error for negative prices")
	}
	for _, name := range []string{"price-logs-gb:", "price-sqs-requests:"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestCheckArch(t *testing.T) {
	for arch, ok := range map[string]bool{Arm64: true, X86: true, "amd64": false, "": false} {
		if err := CheckArch(arch); (err == nil) != ok {
			t.Errorf("CheckArch(%q) = %v", arch, err)
		}
	}
	p := DefaultPrices()
	if p.GBSecond("amd64") != p.GBSecondX86 {
		t.Error("an unknown architecture is not priced as x86_64")
	}
}

func TestLogsMonthTiers(t *testing.T) {
	p := DefaultPrices()
	const tb = 1024.0
	for _, tc := range []struct {
		name   string
		gb     float64
		vended bool
		want   float64
	}{
		{"first tier", 100, true, 50},
		{"10 TB", 10 * tb, true, 5120},
		{"60 TB: 10x0.50 + 20x0.25 + 20x0.10 + 10x0.05", 60 * tb, true, 5120 + 5120 + 2048 + 512},
		{"60 TB flat", 60 * tb, false, 30720},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.LogsVended = tc.vended
			if got := p.logsMonth(tc.gb); !near(got, tc.want) {
				t.Errorf("logsMonth(%v) = %v, want %v", tc.gb, got, tc.want)
			}
		})
	}
}

// near is equality up to float rounding.
func near(got, want float64) bool {
	d := got - want
	if d < 0 {
		d = -d
	}
	scale := want
	if scale < 0 {
		scale = -scale
	}
	return d <= 1e-12*max(scale, 1e-9)
}
