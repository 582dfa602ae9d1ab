// Package emf writes and reads CloudWatch Embedded Metric Format lines: JSON
// log lines that CloudWatch Logs turns into metrics without any API call.
// Both Lambdas write their outcome counters this way; the load test and
// otlpfwd status read the same lines back.
package emf
