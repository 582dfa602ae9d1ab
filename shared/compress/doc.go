// Package compress gzips and gunzips with pooled, fast codecs
// (klauspost/compress) and with a hard limit on inflated size, so that a
// small hostile payload (a gzip bomb) is refused with a clear error instead
// of exhausting a Lambda's memory.
package compress
