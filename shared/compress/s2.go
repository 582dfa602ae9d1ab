package compress

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/s2"
)

// S2 appends the S2 block encoding of src to dst. S2 (a Snappy extension)
// compresses a few times faster than gzip's fastest level and decodes
// about ten times faster, at somewhat larger output: the tier-2 encoding
// of payloads that export will rewrite anyway.
//
// When dst lacks room for the worst case, the block is encoded into a
// pooled scratch buffer and only its bytes are appended, so that a kept
// result does not pin MaxEncodedLen(len(src)) bytes (on a 6 MB batch,
// ingest's peak heap fell from 117 to 83 MiB: go run ./loadtest/cmd/peakmem).
func S2(dst, src []byte) []byte {
	n := s2.MaxEncodedLen(len(src))
	if cap(dst)-len(dst) >= n {
		out := s2.Encode(dst[len(dst):len(dst)+n], src)
		return dst[:len(dst)+len(out)]
	}
	bp, _ := s2Scratch.Get().(*[]byte)
	if bp == nil || cap(*bp) < n {
		b := make([]byte, n)
		bp = &b
	}
	out := s2.Encode((*bp)[:n], src)
	dst = append(dst, out...)
	s2Scratch.Put(bp)
	return dst
}

var s2Scratch sync.Pool // *[]byte

// UnS2 appends the decoding of the S2 block src to dst, refusing more than
// limit bytes (limit <= 0: no limit) before decoding anything.
func UnS2(dst, src []byte, limit int) ([]byte, error) {
	n, err := s2.DecodedLen(src)
	if err != nil {
		return dst, fmt.Errorf("s2: %w", err)
	}
	if limit > 0 && n > limit {
		return dst, fmt.Errorf("s2: %w (%d bytes)", ErrTooLarge, limit)
	}
	if cap(dst)-len(dst) < n {
		dst = append(dst[:len(dst):len(dst)], make([]byte, n)...)[:len(dst)]
	}
	out, err := s2.Decode(dst[len(dst):len(dst)+n], src)
	if err != nil {
		return dst, fmt.Errorf("s2: %w", err)
	}
	return dst[:len(dst)+len(out)], nil
}
