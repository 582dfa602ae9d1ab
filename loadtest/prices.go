package loadtest

import (
	"errors"
	"fmt"
	"math"

	"github.com/spf13/pflag"
)

// Prices are AWS list prices in US dollars: US East (N. Virginia), on
// demand, as published in 2025-2026. DefaultPrices holds them; every one is
// a flag (RegisterFlags) so that a user can price another region or a
// discount.
//
// Sources (read 2025-2026):
//   - CloudWatch Logs: https://aws.amazon.com/cloudwatch/pricing/ ; the
//     May 2025 change that put Lambda logs on vended-log volume tiers is
//     summarised at https://www.duckbillgroup.com/?p=9080 (first tier $0.50,
//     60 TB a month costs $12,500: 10 TB x 0.50 + 20 TB x 0.25 + 20 TB x
//     0.10 + 10 TB x 0.05).
//   - Kinesis Data Streams, provisioned mode:
//     https://aws.amazon.com/kinesis/data-streams/pricing/ ; the us-east-1
//     figures as quoted at
//     https://costcalculator.calculator.city/aws-kinesis-cost-calculator
//     ("Num Shards x $0.015/hr", "PUT Units in Millions x $0.014").
//   - Lambda: https://aws.amazon.com/lambda/pricing/ ; US East figures as
//     listed at https://cloudchipr.com/blog/aws-lambda-pricing (x86 first 6
//     billion GB-s $0.0000166667, Arm first 7.5 billion GB-s $0.0000133334)
//     and $0.20 per million requests.
//   - SQS: https://aws.amazon.com/sqs/pricing/ ; https://cloudburn.io/blog/amazon-sqs-pricing
//     (US East, March 2026: standard queue $0.40 per million requests, each
//     64 KB chunk of a request billed as one request).
//   - KMS: https://aws.amazon.com/kms/pricing/ ; https://www.wring.co/blog/aws-kms-pricing-guide
//     ($0.03 per 10,000 symmetric requests). How often Kinesis calls KMS:
//     https://docs.aws.amazon.com/streams/latest/dev/costs-performance.html
//     (about every five minutes per data key, per user credential).
//   - Secrets Manager: https://aws.amazon.com/secrets-manager/pricing/
//     ($0.40 per secret-month, $0.05 per 10,000 API calls).
type Prices struct {
	// LogsPerGB is CloudWatch Logs ingestion (Standard log class) per GB:
	// $0.50. It is the flat price of custom logs and the first vended-log
	// tier (the first 10 TB of a month) of Lambda function logs. Cost
	// prices a run's log bytes at it (a run is far below 10 TB).
	LogsPerGB float64 `json:"logs_per_gb"`
	// LogsVended applies the Lambda vended-log volume tiers to a month's
	// log volume in the scale model. Default true: the pipeline's input is
	// Lambda function logs (stdout of instrumented functions) that a
	// subscription filter forwards, and since 1 May 2025 CloudWatch Logs
	// bills those at the vended-log tiers; the subscription filter itself
	// adds no CloudWatch charge. Set false when the sources are not Lambda
	// (containers, instances): their logs pay LogsPerGB flat.
	LogsVended bool `json:"logs_vended"`
	// LogsPerGBOver10TB, LogsPerGBOver30TB and LogsPerGBOver50TB are the
	// vended-log tiers past the first 10 TB of a month: $0.25 for the next
	// 20 TB, $0.10 for the next 20 TB, $0.05 beyond 50 TB.
	LogsPerGBOver10TB float64 `json:"logs_per_gb_over_10tb"`
	LogsPerGBOver30TB float64 `json:"logs_per_gb_over_30tb"`
	LogsPerGBOver50TB float64 `json:"logs_per_gb_over_50tb"`
	// ShardHour is a provisioned Kinesis shard for an hour: $0.015.
	ShardHour float64 `json:"kinesis_shard_hour"`
	// PutUnitsPerMillion is a million Kinesis PUT payload units (25 KB of
	// a record, rounded up per record): $0.014.
	PutUnitsPerMillion float64 `json:"kinesis_put_units_per_million"`
	// GBSecondArm64 and GBSecondX86 are a Lambda GB-second of duration
	// (first pricing tier, 6 and 7.5 billion GB-s a month):
	// $0.0000133334 (arm64) and $0.0000166667 (x86_64).
	GBSecondArm64 float64 `json:"lambda_gb_second_arm64"`
	GBSecondX86   float64 `json:"lambda_gb_second_x86_64"`
	// LambdaRequestsPerMillion is a million Lambda invocations: $0.20.
	LambdaRequestsPerMillion float64 `json:"lambda_requests_per_million"`
	// SQSRequestsPerMillion is a million SQS standard-queue requests, each
	// 64 KiB chunk of a request counting as one: $0.40.
	SQSRequestsPerMillion float64 `json:"sqs_requests_per_million"`
	// KMSPer10kRequests is 10,000 KMS symmetric requests: $0.03. Used only
	// by the estimate (see Breakdown.KMS).
	KMSPer10kRequests float64 `json:"kms_per_10k_requests"`
	// SecretsPer10kCalls and SecretMonth are Secrets Manager's $0.05 per
	// 10,000 API calls and $0.40 per secret a month. Estimate only.
	SecretsPer10kCalls float64 `json:"secrets_per_10k_calls"`
	SecretMonth        float64 `json:"secret_month"`
}

// DefaultPrices returns the US East (N. Virginia) list prices above.
func DefaultPrices() Prices {
	return Prices{
		LogsPerGB:                0.50,
		LogsVended:               true,
		LogsPerGBOver10TB:        0.25,
		LogsPerGBOver30TB:        0.10,
		LogsPerGBOver50TB:        0.05,
		ShardHour:                0.015,
		PutUnitsPerMillion:       0.014,
		GBSecondArm64:            0.0000133334,
		GBSecondX86:              0.0000166667,
		LambdaRequestsPerMillion: 0.20,
		SQSRequestsPerMillion:    0.40,
		KMSPer10kRequests:        0.03,
		SecretsPer10kCalls:       0.05,
		SecretMonth:              0.40,
	}
}

// RegisterFlags adds a --price-* flag for every price to fs, with p's
// current values as defaults; parsing fs writes into p. Start from
// DefaultPrices.
func (p *Prices) RegisterFlags(fs *pflag.FlagSet) {
	fs.Float64Var(&p.LogsPerGB, "price-logs-gb", p.LogsPerGB, "CloudWatch Logs ingestion, USD per GB (Standard class; first Lambda vended-log tier)")
	fs.BoolVar(&p.LogsVended, "price-logs-vended", p.LogsVended, "price a month's log volume on the Lambda vended-log tiers (false: flat --price-logs-gb)")
	fs.Float64Var(&p.LogsPerGBOver10TB, "price-logs-gb-over-10tb", p.LogsPerGBOver10TB, "Lambda vended logs, USD per GB from 10 TB to 30 TB a month")
	fs.Float64Var(&p.LogsPerGBOver30TB, "price-logs-gb-over-30tb", p.LogsPerGBOver30TB, "Lambda vended logs, USD per GB from 30 TB to 50 TB a month")
	fs.Float64Var(&p.LogsPerGBOver50TB, "price-logs-gb-over-50tb", p.LogsPerGBOver50TB, "Lambda vended logs, USD per GB beyond 50 TB a month")
	fs.Float64Var(&p.ShardHour, "price-kinesis-shard-hour", p.ShardHour, "Kinesis provisioned shard, USD per shard-hour")
	fs.Float64Var(&p.PutUnitsPerMillion, "price-kinesis-put-units", p.PutUnitsPerMillion, "Kinesis PUT payload units (25 KB), USD per million")
	fs.Float64Var(&p.GBSecondArm64, "price-lambda-gb-second-arm64", p.GBSecondArm64, "Lambda duration on arm64, USD per GB-second")
	fs.Float64Var(&p.GBSecondX86, "price-lambda-gb-second-x86", p.GBSecondX86, "Lambda duration on x86_64, USD per GB-second")
	fs.Float64Var(&p.LambdaRequestsPerMillion, "price-lambda-requests", p.LambdaRequestsPerMillion, "Lambda invocations, USD per million")
	fs.Float64Var(&p.SQSRequestsPerMillion, "price-sqs-requests", p.SQSRequestsPerMillion, "SQS standard requests (64 KiB chunks), USD per million")
	fs.Float64Var(&p.KMSPer10kRequests, "price-kms-requests", p.KMSPer10kRequests, "KMS requests, USD per 10,000 (estimate only)")
	fs.Float64Var(&p.SecretsPer10kCalls, "price-secrets-calls", p.SecretsPer10kCalls, "Secrets Manager API calls, USD per 10,000 (estimate only)")
	fs.Float64Var(&p.SecretMonth, "price-secret-month", p.SecretMonth, "Secrets Manager, USD per secret per month (estimate only)")
}

// Validate reports every negative price.
func (p Prices) Validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"price-logs-gb", p.LogsPerGB}, {"price-logs-gb-over-10tb", p.LogsPerGBOver10TB},
		{"price-logs-gb-over-30tb", p.LogsPerGBOver30TB}, {"price-logs-gb-over-50tb", p.LogsPerGBOver50TB},
		{"price-kinesis-shard-hour", p.ShardHour}, {"price-kinesis-put-units", p.PutUnitsPerMillion},
		{"price-lambda-gb-second-arm64", p.GBSecondArm64}, {"price-lambda-gb-second-x86", p.GBSecondX86},
		{"price-lambda-requests", p.LambdaRequestsPerMillion}, {"price-sqs-requests", p.SQSRequestsPerMillion},
		{"price-kms-requests", p.KMSPer10kRequests}, {"price-secrets-calls", p.SecretsPer10kCalls},
		{"price-secret-month", p.SecretMonth},
	} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			errs = append(errs, fmt.Errorf("%s: %v is not a price", f.name, f.v))
		}
	}
	return errors.Join(errs...)
}

// Lambda architectures, as template.yaml's Architecture parameter spells
// them.
const (
	Arm64 = "arm64"
	X86   = "x86_64"
)

// CheckArch reports an architecture other than Arm64 and X86.
func CheckArch(arch string) error {
	if arch != Arm64 && arch != X86 {
		return fmt.Errorf("architecture %q: want %s or %s", arch, Arm64, X86)
	}
	return nil
}

// GBSecond is the price of a GB-second on arch. An architecture that
// CheckArch rejects is priced as x86_64, the dearer of the two.
func (p Prices) GBSecond(arch string) float64 {
	if arch == Arm64 {
		return p.GBSecondArm64
	}
	return p.GBSecondX86
}

// logsMonth prices gb of log ingestion in one month: on the vended-log
// tiers when p.LogsVended, else flat. Tier bounds are in TB of 1,024 GB.
func (p Prices) logsMonth(gb float64) float64 {
	if !p.LogsVended {
		return gb * p.LogsPerGB
	}
	const tb = 1024
	tiers := []struct{ upTo, price float64 }{
		{10 * tb, p.LogsPerGB},
		{30 * tb, p.LogsPerGBOver10TB},
		{50 * tb, p.LogsPerGBOver30TB},
		{0, p.LogsPerGBOver50TB},
	}
	var cost, from float64
	for _, t := range tiers {
		if t.upTo == 0 || gb <= t.upTo {
			return cost + (gb-from)*t.price
		}
		cost += (t.upTo - from) * t.price
		from = t.upTo
	}
	return cost
}
