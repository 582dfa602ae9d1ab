package dlq

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// DefaultMaxBody is the message size every SQS queue accepts (256 KiB).
const DefaultMaxBody = 256 << 10

// MaxBody is the largest message SQS accepts (1 MiB, on queues configured
// for it).
const MaxBody = 1 << 20

// Build returns the message bodies for meta and its payload raw (an
// uncompressed OTLP request of meta's signal, or raw input bytes for
// Undecodable), each at most maxBody bytes (0: DefaultMaxBody).
func Build(meta Message, raw []byte, maxBody int) ([]string, error) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	meta.V = Version
	meta.Encoding = "gzip"
	meta.Chunk = nil
	sig := meta.SignalOf()
	if meta.Reason == Undecodable || !sig.Valid() {
		return chunked(meta, compress.Gzip(nil, raw, compress.DefaultLevel), maxBody)
	}
	return build(meta, sig, raw, maxBody, 0)
}

func build(meta Message, sig otlp.Signal, raw []byte, maxBody, depth int) ([]string, error) {
	z := compress.Gzip(nil, raw, compress.DefaultLevel)
	meta.Payload = z
	body, err := marshal(&meta)
	if err != nil {
		return nil, fmt.Errorf("dlq message: %w", err)
	}
	if len(body) <= maxBody {
		return []string{string(body)}, nil
	}
	// Too big: split the request. Aim each part at the budget, scaled by
	// the compression ratio seen, with room to spare.
	overhead := len(body) - base64Len(len(z))
	budget := (maxBody - overhead) * 3 / 4
	if budget <= 0 {
		return nil, fmt.Errorf("dlq message: metadata alone (%d bytes) exceeds the message size %d", overhead, maxBody)
	}
	target := int(float64(len(raw)) * float64(budget) / float64(len(z)) * 0.8)
	if depth > 0 {
		target = len(raw) / 2
	}
	parts, err := otlp.Split(sig, raw, target)
	if err != nil || len(parts) <= 1 {
		// Not a request Split can parse (a damaged item dead-lettered
		// for that very reason), or one item larger than a message: cut
		// its bytes rather than fail the dead letter, which would send
		// the records back to the stream until they expire.
		return chunked(meta, z, maxBody)
	}
	var out []string
	for _, p := range parts {
		m := meta
		m.Items = p.Items
		bodies, err := build(m, sig, p.Data, maxBody, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, bodies...)
	}
	return out, nil
}

// chunked cuts the compressed payload z into messages of at most maxBody.
func chunked(meta Message, z []byte, maxBody int) ([]string, error) {
	meta.Payload = z
	if body, err := marshal(&meta); err == nil && len(body) <= maxBody {
		return []string{string(body)}, nil
	}
	meta.Encoding = "gzip"
	meta.Payload = nil
	var id [8]byte
	_, _ = rand.Read(id[:])
	meta.Chunk = &Chunk{Group: hex.EncodeToString(id[:]), Count: 1}
	head, err := marshal(&meta)
	if err != nil {
		return nil, fmt.Errorf("dlq message: %w", err)
	}
	budget := (maxBody - len(head) - 32) * 3 / 4
	if budget <= 0 {
		return nil, fmt.Errorf("dlq message: metadata alone (%d bytes) exceeds the message size %d", len(head), maxBody)
	}
	count := (len(z) + budget - 1) / budget
	out := make([]string, 0, count)
	for i := 0; i < count; i++ {
		m := meta
		m.Chunk = &Chunk{Group: meta.Chunk.Group, Index: i, Count: count}
		m.Payload = z[i*budget : min(len(z), (i+1)*budget)]
		if i > 0 {
			m.Items = 0 // counted once, on the first chunk
		}
		body, err := marshal(&m)
		if err != nil {
			return nil, fmt.Errorf("dlq message: %w", err)
		}
		out = append(out, string(body))
	}
	return out, nil
}

// marshal encodes m as SQS accepts it. SQS refuses a message holding a
// character outside #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
// #x10000-#x10FFFF. encoding/json already escapes control characters and
// replaces invalid UTF-8, but writes U+FFFE and U+FFFF (which an
// application's log line can carry into an error message) as they are; a
// refused dead letter would fail its source record on every retry. Outside
// strings the JSON is ASCII, so the two sequences only occur inside
// strings, where their escapes decode to the same text.
func marshal(m *Message) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(b, []byte("\xef\xbf")) {
		b = bytes.ReplaceAll(b, []byte("\xef\xbf\xbe"), []byte(`\ufffe`))
		b = bytes.ReplaceAll(b, []byte("\xef\xbf\xbf"), []byte(`\uffff`))
	}
	return b, nil
}

func base64Len(n int) int { return (n + 2) / 3 * 4 }
