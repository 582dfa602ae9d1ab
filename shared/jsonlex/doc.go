// Package jsonlex reads JSON in one pass without reflection, for the two
// documents on ingest's hot path: the CloudWatch Logs subscription payload
// and the otlp-stdout envelope. encoding/json validates a document fully
// before decoding it and unescapes through reflection; on a 6 MB batch that
// costs about as much as the gunzip. A Lexer walks the bytes once, hands
// out strings without copying when they hold no escapes, and leaves
// unknown values validated but unbuilt. Decoders built on it are fuzzed
// against encoding/json: same documents accepted, same values.
package jsonlex
