// Package cwlogs decodes CloudWatch Logs subscription payloads: the gzip
// JSON documents that a subscription filter delivers to a Kinesis stream
// (or the same JSON uncompressed).
//
// AWS writes logEvents[].id as a string of digits; moto writes a JSON
// number. Both are accepted (aws-lambda-go's events.CloudwatchLogsData
// rejects the number).
package cwlogs
