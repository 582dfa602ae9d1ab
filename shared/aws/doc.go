// Package aws holds the edges where otlpfwd talks to AWS: small writers and
// sources built on consumer-defined interfaces that copy the AWS SDK's
// method signatures, so that tests use hand-written fakes and the real code
// runs unchanged against AWS or a local stand-in (moto).
package aws
