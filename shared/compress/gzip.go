package compress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// ErrTooLarge is returned when inflated data would exceed the caller's limit.
var ErrTooLarge = errors.New("inflated size exceeds limit")

// IsGzip reports whether b starts with the gzip magic bytes.
func IsGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

var readers sync.Pool // *gzip.Reader

// maxDeflateRatio bounds what one byte of deflate data can inflate to
// (a stored length-258 match per 2 bits, rounded up).
const maxDeflateRatio = 1032

// Gunzip appends the inflated content of src (one or more gzip members) to
// dst and returns it. It fails with an error wrapping ErrTooLarge when more
// than limit bytes would be produced; limit <= 0 means no limit.
func Gunzip(dst, src []byte, limit int) ([]byte, error) {
	br := bytes.NewReader(src)
	zr, _ := readers.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(br)
	} else {
		err = zr.Reset(br)
	}
	if err != nil {
		return dst, fmt.Errorf("gunzip: %w", err)
	}
	defer readers.Put(zr)
	// The trailer tells the size of a single member: read into exactly
	// that much room (capped by the limit) instead of growing by copies.
	// The trailer is the writer's word, though: never believe more than
	// deflate can produce from src (1032:1 at most), or 27 bytes claiming
	// 4 GiB would make every call allocate up to the limit.
	hint := len(src) * 4
	if n, ok := GzipSize(src); ok && n > 0 {
		hint = min(n, len(src)*maxDeflateRatio) + 1
	}
	out, err := readAllLimit(dst, zr, limit, hint)
	if err != nil {
		return out, fmt.Errorf("gunzip: %w", err)
	}
	return out, nil
}

// readAllLimit reads r to EOF into dst, refusing to grow past limit.
func readAllLimit(dst []byte, r io.Reader, limit, hint int) ([]byte, error) {
	start := len(dst)
	if hint < 512 {
		hint = 512
	}
	want := hint
	if limit > 0 && want > limit+1 {
		want = limit + 1
	}
	if cap(dst)-len(dst) < want {
		dst = append(dst[:len(dst):len(dst)], make([]byte, want)...)[:len(dst)]
	}
	for {
		if len(dst) == cap(dst) {
			if limit > 0 && len(dst)-start > limit {
				return dst[:start], fmt.Errorf("%w (%d bytes)", ErrTooLarge, limit)
			}
			dst = append(dst, 0)[:len(dst)]
		}
		end := cap(dst)
		if limit > 0 && end-start > limit+1 {
			end = start + limit + 1
		}
		n, err := r.Read(dst[len(dst):end])
		dst = dst[:len(dst)+n]
		if limit > 0 && len(dst)-start > limit {
			return dst[:start], fmt.Errorf("%w (%d bytes)", ErrTooLarge, limit)
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst[:start], err
		}
	}
}

// Level is a gzip compression level: gzip.BestSpeed (1) to gzip.BestCompression (9).
type Level int

// DefaultLevel balances speed and size for telemetry (klauspost level 1 is
// close to stdlib level 6 in size at several times the speed).
const DefaultLevel Level = gzip.BestSpeed

var writers [10]sync.Pool // *gzip.Writer per level

// Gzip appends one gzip member holding src to dst and returns it.
func Gzip(dst, src []byte, level Level) []byte {
	if level < gzip.HuffmanOnly || level > gzip.BestCompression {
		level = DefaultLevel
	}
	buf := bytes.NewBuffer(dst)
	idx := int(level)
	if idx < 0 {
		idx = 0
	}
	zw, _ := writers[idx].Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(buf, int(level))
	} else {
		zw.Reset(buf)
	}
	// Writes to a bytes.Buffer cannot fail.
	_, _ = zw.Write(src)
	_ = zw.Close()
	writers[idx].Put(zw)
	return buf.Bytes()
}

// GzipSize returns the inflated size recorded in the trailer of the last
// gzip member of b (ISIZE, modulo 2^32), without inflating anything.
func GzipSize(b []byte) (int, bool) {
	if !IsGzip(b) || len(b) < 18 {
		return 0, false
	}
	t := b[len(b)-4:]
	return int(uint32(t[0]) | uint32(t[1])<<8 | uint32(t[2])<<16 | uint32(t[3])<<24), true
}
