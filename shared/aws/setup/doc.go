// Package setup builds, once per Lambda execution environment, what both
// handlers need from their environment: settings read from OTLPFWD_*
// variables (every problem reported at once), the JSON logger, the AWS
// configuration (which honours AWS_ENDPOINT_URL, so the same code runs
// against AWS or a local stand-in) and the cached routing table.
package setup
