// Package otlp works on OTLP export requests (traces, metrics, logs).
//
// The hot path never builds Go protobuf messages: Scan validates and counts a
// serialized request by walking its wire format, Enrich adds resource
// attributes by rewriting only the resource, and Merge and Split move whole
// resources, scopes and items as bytes. Concatenating serialized export
// requests is itself a valid request (its only field is repeated), which is
// what makes this cheap. Decode, MarshalJSON and UnmarshalJSON give the fully
// decoded path (OTLP/JSON with hex ids) for the places that need it.
package otlp
