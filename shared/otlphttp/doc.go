// Package otlphttp sends OTLP export requests to collectors over OTLP/HTTP
// and classifies the outcome exactly as the OTLP/HTTP specification asks.
//
// A Client holds one pooled, keep-alive http.Client; build it once, before
// lambda.Start, and share it. Client.Send makes one attempt;
// Client.SendWithRetry retries it with exponential backoff and jitter,
// honours Retry-After, and never sleeps past the context's deadline minus
// the caller's margin (the time the caller keeps to write the DLQ).
//
// Outcomes:
//
//   - 2xx: success. A partial_success in the body (rejected items, or a
//     warning message) is reported in Response.PartialSuccess; it is never
//     an error and never retried.
//   - 429, 502, 503, 504 and network errors (connection refused or reset,
//     timeouts, EOF before a response): an *Error with Retryable set.
//     Retry-After (delta seconds or HTTP-date) is read on 429 and 503.
//   - Every other status (400, 401, 403, 404, 413, 415, 500, ...), a TLS
//     certificate the client does not trust, an invalid URL or header: an
//     *Error that is not Retryable.
//
// An *Error names the URL without its userinfo, query or fragment, the
// status and an excerpt of the collector's message (decoded from a
// google.rpc.Status when the body is protobuf). Request headers carry
// credentials: they are never logged and their values never appear in an
// error, even when a collector echoes them back in its body.
//
// At most 64 KiB of a response body is read; up to 256 KiB more is drained
// so that the connection goes back to the pool. A larger body closes the
// connection instead of being read to the end.
package otlphttp
