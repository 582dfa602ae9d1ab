// Package otlpstdout reads (and writes) the otlp-stdout envelope: the JSON
// line that the reference exporters (npm @dev7a/otlp-stdout-span-exporter
// and its Python and Rust siblings) write to stdout in place of an OTLP/HTTP
// request:
//
//	{"__otel_otlp_stdout":"0.17.3","source":"checkout","endpoint":"http://localhost:4318/v1/traces",
//	 "method":"POST","content-type":"application/x-protobuf","content-encoding":"gzip",
//	 "headers":{"tenant":"t1"},"payload":"H4sI...","base64":true,"level":"INFO"}
//
// Every shape is accepted: protobuf or OTLP/JSON, gzip or not, base64 or
// not, the payload as a string or as an embedded JSON object, and the line
// wrapped in Lambda's JSON log format ({"timestamp","level","message":...}).
// Whatever the shape, Decode returns the request as OTLP protobuf.
//
// Security: endpoint and headers are written by application code. Decode
// uses the endpoint's path only, to learn the signal; nothing here (or
// anywhere in otlpfwd) sends data to the host a record names.
package otlpstdout
