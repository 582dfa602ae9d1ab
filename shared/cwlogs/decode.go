package cwlogs

import (
	"errors"
	"fmt"

	"github.com/otlpfwd/otlpfwd/shared/compress"
)

// DefaultMaxInflated bounds the inflated size of one payload. A Kinesis
// record is at most 10 MiB; CloudWatch Logs payloads compress about 5-20x.
const DefaultMaxInflated = 64 << 20

// Options tunes Decode. The zero value is ready to use.
type Options struct {
	// MaxInflated is the largest inflated payload accepted; 0 (or less)
	// means DefaultMaxInflated.
	MaxInflated int
}

// Decode parses a subscription payload, gzip-compressed or plain JSON.
// buf, if not nil, is used to hold the inflated bytes and is returned for
// reuse; the Payload does not refer to it.
func Decode(data []byte, buf []byte, opts Options) (*Payload, []byte, error) {
	limit := opts.MaxInflated
	if limit <= 0 {
		limit = DefaultMaxInflated
	}
	js := data
	if compress.IsGzip(data) {
		var err error
		buf, err = compress.Gunzip(buf[:0], data, limit)
		if err != nil {
			return nil, buf, fmt.Errorf("cloudwatch logs payload: %w", err)
		}
		js = buf
	} else if len(data) > limit {
		return nil, buf, fmt.Errorf("cloudwatch logs payload: %w", compress.ErrTooLarge)
	}
	p, err := parse(js)
	if err != nil {
		return nil, buf, fmt.Errorf("cloudwatch logs payload: not a subscription payload: %w", err)
	}
	if err := p.validate(); err != nil {
		return nil, buf, fmt.Errorf("cloudwatch logs payload: %w", err)
	}
	return p, buf, nil
}

func (p *Payload) validate() error {
	switch p.MessageType {
	case DataMessage:
		if p.LogGroup == "" {
			return errors.New("DATA_MESSAGE without logGroup")
		}
	case ControlMessage:
	case "":
		return errors.New("no messageType: not a CloudWatch Logs subscription payload")
	default:
		return fmt.Errorf("unknown messageType %q", p.MessageType)
	}
	return nil
}
