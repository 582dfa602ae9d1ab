// Package route holds the collectors otlpfwd forwards to and the rules that
// decide which collectors receive a piece of telemetry.
//
// A Collector is one OTLP/HTTP destination: a base endpoint (the signal path
// /v1/traces, /v1/metrics or /v1/logs is appended), auth headers, the
// signals it wants, match rules on the CloudWatch log group (globs) and the
// source service (RE2 regexes), and how requests are encoded, compressed,
// sized and timed. ParseConfig reads a list of them from JSON or YAML,
// rejecting unknown fields and listing every problem at once; NewTable
// compiles the rules once; Table.Match routes without allocating.
//
// # Configuration
//
//	collectors:
//	  - name: honeycomb                  # [A-Za-z0-9._-]{1,64}, unique
//	    endpoint: https://api.honeycomb.io
//	    headers: {x-honeycomb-team: "..."}
//	    signals: [traces, logs]          # default: all three
//	    match:
//	      log_groups: {include: ["/aws/lambda/prod-*"], exclude: ["*-canary"]}
//	      sources: {include: ["^checkout"], exclude: ["test"]}
//	    compression: gzip                # gzip (default), zstd, none
//	    encoding: protobuf               # protobuf (default), json
//	    mode: merge                      # merge (default), passthrough
//	    timeout: 10s                     # per attempt; a Go duration
//	    max_request_bytes: 8MiB          # default 8 MiB, at most 64 MiB
//	    pass_headers: [x-tenant]         # record headers it may receive
//	    plain_logs: false                # also convert plain log lines
//	    insecure_skip_verify: false      # logged loudly when true
//	    disabled: false
//
// The same document may be JSON, and either a list of collectors or an
// object with the single key "collectors". Sources of configuration are a
// file (FileSource), a value (StaticSource), the environment (FromEnv) and
// AWS Secrets Manager (package shared/aws/secrets, one secret per
// collector); Cached keeps the last good table through a configuration
// outage.
//
// # Match rules
//
// Log group globs match the whole name: '*' matches any run of characters,
// '/' included, '?' exactly one character, every other character itself.
// Source rules are RE2 regular expressions matched against the service
// name, unanchored unless the pattern anchors itself (^checkout$). An empty
// include list includes everything; an exclude always wins. A collector
// receives a piece of telemetry when it is not disabled, wants the signal,
// and both the log group and the source rules pass. Several collectors may
// match (fan-out).
//
// # Security
//
// Routing only ever uses configured endpoints. The otlp-stdout envelope
// carries an endpoint and headers written by application code; the
// endpoint's path may tell the signal, but its host is never a destination,
// and this package has no way to build a Collector from a record. Record
// headers reach a collector only when its pass_headers names them.
//
// Header values are credentials. Collector and Headers print (fmt, every
// verb), log (slog.LogValuer) and marshal (JSON, YAML) with header names
// only and the values replaced by "REDACTED"; Collector.ConfigJSON is the
// one deliberate way to write them out, for storing a configuration.
// Endpoints may not carry userinfo for the same reason.
//
// # Loop guard
//
// Spans that AWS itself stored in the aws/spans log group (Application
// Signals, X-Ray transaction search), and the pipeline's own logs
// (Options.OwnLogGroups), never go to a collector whose endpoint is an AWS
// service endpoint (*.amazonaws.com, *.amazonaws.com.cn, *.api.aws): AWS's
// OTLP endpoints write what they receive back into CloudWatch Logs, where a
// subscription would carry it into this pipeline again, for ever, growing
// each round (and billed each time).
package route
