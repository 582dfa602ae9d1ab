package record

import (
	"fmt"

	"github.com/otlpfwd/otlpfwd/shared/compress"
)

// AppendRaw appends the item's payload uncompressed to dst, refusing more
// than limit bytes (limit <= 0: no limit). An identity payload is returned
// as it is, not copied.
func (it *Item) AppendRaw(dst []byte, limit int) ([]byte, error) {
	switch it.Encoding {
	case Gzip:
		return compress.Gunzip(dst, it.Payload, limit)
	case S2:
		return compress.UnS2(dst, it.Payload, limit)
	case Identity:
		return it.Payload, nil
	}
	return dst, fmt.Errorf("tier-2 item: unknown payload encoding %d", it.Encoding)
}
