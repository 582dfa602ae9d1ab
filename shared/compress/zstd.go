package compress

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

var (
	zstdOnce sync.Once
	zstdEnc  *zstd.Encoder
	zstdErr  error
	unzstds  sync.Pool // *zstd.Decoder
)

// zstdEncoder builds the shared encoder on first use; EncodeAll is safe for
// concurrent use.
func zstdEncoder() (*zstd.Encoder, error) {
	zstdOnce.Do(func() {
		zstdEnc, zstdErr = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	})
	return zstdEnc, zstdErr
}

// IsZstd reports whether b starts with the zstd frame magic number.
func IsZstd(b []byte) bool {
	return len(b) >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd
}

// Zstd appends the zstd frame of src to dst.
func Zstd(dst, src []byte) ([]byte, error) {
	enc, err := zstdEncoder()
	if err != nil {
		return dst, fmt.Errorf("zstd: %w", err)
	}
	return enc.EncodeAll(src, dst), nil
}

// Unzstd appends the decoded content of src to dst, refusing more than limit
// bytes (limit <= 0: no limit). It streams, so a zstd bomb is stopped at the
// limit rather than inflated whole.
func Unzstd(dst, src []byte, limit int) ([]byte, error) {
	dec, _ := unzstds.Get().(*zstd.Decoder)
	var err error
	if dec == nil {
		dec, err = zstd.NewReader(bytes.NewReader(src), zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
	} else {
		err = dec.Reset(bytes.NewReader(src))
	}
	if err != nil {
		return dst, fmt.Errorf("unzstd: %w", err)
	}
	defer unzstds.Put(dec)
	out, err := readAllLimit(dst, dec, limit, len(src)*4)
	if err != nil {
		return out, fmt.Errorf("unzstd: %w", err)
	}
	return out, nil
}
