package otlpstdout

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// FormatVersion is the envelope version Encode writes by default: the
// version of the reference exporter (npm @dev7a/otlp-stdout-span-exporter)
// whose lines Encode reproduces.
const FormatVersion = "0.17.3"

// DefaultSource is the source the reference exporters write when no service
// name is known.
const DefaultSource = "unknown-service"

// EndpointBase is the base of the endpoint the reference exporters write;
// the signal's path ("/v1/traces", ...) is appended. The endpoint is
// informational: readers use its path only.
const EndpointBase = "http://localhost:4318"

// Header is one entry of the envelope's "headers" object.
type Header struct {
	Name, Value string
}

// Meta is what an envelope says besides its payload. The zero value writes
// what the reference exporter writes with an empty environment.
type Meta struct {
	// Version is written as __otel_otlp_stdout; "" means FormatVersion.
	Version string
	// Source is the service name; "" means DefaultSource.
	Source string
	// Endpoint is written as is; "" means EndpointBase plus the signal's
	// path.
	Endpoint string
	// Headers are written in this order as the "headers" object, which is
	// left out when there are none. Names should be unique (a JSON reader
	// keeps the last of duplicates).
	Headers []Header
	// Level is written as "level" unless empty.
	Level string
}

// Gzip levels accepted by Encode, as in zlib (and the reference's
// OTLP_STDOUT_SPAN_EXPORTER_COMPRESSION_LEVEL).
const (
	MinGzipLevel     = 0 // stored, no compression
	DefaultGzipLevel = 6 // the reference exporters' default
	MaxGzipLevel     = 9
)

// ErrGzipLevel is returned for a gzip level outside 0-9.
var ErrGzipLevel = errors.New("gzip level must be 0-9")

// Encode appends to dst one envelope line, terminated by "\n", carrying req
// (a serialized Export{Trace,Metrics,Logs}ServiceRequest of signal sig) as
// base64 of gzip at the given level, and returns the extended buffer.
//
// The line is the one the reference exporter writes: the same keys in the
// same order (__otel_otlp_stdout, source, endpoint, method, content-type,
// content-encoding, payload, base64, then headers and level when present),
// strings escaped as JSON.stringify escapes them (only '"', '\\' and
// control characters; non-ASCII, '<', '>', '&', U+2028 and U+2029 are
// written as is; invalid UTF-8 becomes U+FFFD), and a gzip header equal to
// Node's zlib's (mtime 0, XFL 4 at levels 0-1 and 2 at level 9, OS 3). The
// deflate bytes themselves come from a different compressor than zlib's
// and are not the same bytes.
func Encode(dst []byte, sig otlp.Signal, req []byte, level int, m Meta) ([]byte, error) {
	if !sig.Valid() {
		return dst, fmt.Errorf("encode envelope: %v is not a signal", sig)
	}
	if level < MinGzipLevel || level > MaxGzipLevel {
		return dst, fmt.Errorf("encode envelope: %w, got %d", ErrGzipLevel, level)
	}
	sc := scratchPool.Get().(*scratch)
	sc.b = sc.b[:0]
	sc.gzip(req, level)

	version, source, endpoint := m.Version, m.Source, m.Endpoint
	if version == "" {
		version = FormatVersion
	}
	if source == "" {
		source = DefaultSource
	}
	n := 256 + len(version) + len(source) + len(endpoint) + len(m.Level) + base64.StdEncoding.EncodedLen(len(sc.b))
	for _, h := range m.Headers {
		n += len(h.Name) + len(h.Value) + 6
	}
	if cap(dst)-len(dst) < n {
		dst = append(make([]byte, 0, len(dst)+n), dst...)
	}

	dst = append(dst, `{"`+VersionKey+`":`...)
	dst = appendJSONString(dst, version)
	dst = append(dst, `,"source":`...)
	dst = appendJSONString(dst, source)
	dst = append(dst, `,"endpoint":`...)
	if endpoint == "" {
		dst = append(dst, `"`+EndpointBase+"/v1/"...)
		dst = append(dst, sig.String()...)
		dst = append(dst, '"')
	} else {
		dst = appendJSONString(dst, endpoint)
	}
	dst = append(dst, `,"method":"POST","content-type":"`+ContentTypeProtobuf+`","content-encoding":"`+EncodingGzip+`","payload":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, sc.b)
	dst = append(dst, `","base64":true`...)
	if len(m.Headers) > 0 {
		dst = append(dst, `,"headers":{`...)
		for i, h := range m.Headers {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, h.Name)
			dst = append(dst, ':')
			dst = appendJSONString(dst, h.Value)
		}
		dst = append(dst, '}')
	}
	if m.Level != "" {
		dst = append(dst, `,"level":`...)
		dst = appendJSONString(dst, m.Level)
	}
	dst = append(dst, "}\n"...)

	if cap(sc.b) <= maxPooledScratch {
		scratchPool.Put(sc)
	}
	return dst, nil
}

// scratch holds the compressed payload between gzip and base64.
type scratch struct{ b []byte }

func (s *scratch) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}

// maxPooledScratch keeps one oversized export from pinning its buffer.
const maxPooledScratch = 4 << 20

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// flateWriters pools one *flate.Writer per level.
var flateWriters [MaxGzipLevel + 1]sync.Pool

// gzipOS is the OS byte zlib writes on Unix (Node in Lambda).
const gzipOS = 3

// gzip appends one gzip member holding src, with the header bytes that
// zlib writes for the level.
func (s *scratch) gzip(src []byte, level int) {
	// XFL as zlib's deflate.c sets it: 2 for level 9, 4 for levels below 2
	// (with the default strategy), 0 otherwise.
	var xfl byte
	switch {
	case level == 9:
		xfl = 2
	case level < 2:
		xfl = 4
	}
	s.b = append(s.b, 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, gzipOS)
	fw, _ := flateWriters[level].Get().(*flate.Writer)
	if fw == nil {
		// The level is checked by the caller, so NewWriter cannot fail.
		fw, _ = flate.NewWriter(s, level)
	} else {
		fw.Reset(s)
	}
	// Writes to a scratch cannot fail.
	_, _ = fw.Write(src)
	_ = fw.Close()
	flateWriters[level].Put(fw)
	s.b = binary.LittleEndian.AppendUint32(s.b, crc32.ChecksumIEEE(src))
	s.b = binary.LittleEndian.AppendUint32(s.b, uint32(len(src)))
}

const lowerHex = "0123456789abcdef"

// appendJSONString appends s as a JSON string escaped the way
// JSON.stringify escapes it.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\uFFFD"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
