package exporter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
	"github.com/otlpfwd/otlpfwd/shared/otlpstdout"
)

// ErrShutdown is returned by Spans.ExportSpans after Shutdown. (Logs and
// Metrics return their SDK's ErrExporterShutdown.)
var ErrShutdown = errors.New("otlp-stdout exporter is shut down")

// core is what the three exporters share: the resolved configuration and
// the shutdown gate.
type core struct {
	cfg  config
	gate gate
	// envelope is the length of the line of an empty request: the part of
	// a line that does not grow with the request.
	envelope int
}

func newCore(sig otlp.Signal, o Options, stdout io.Writer) (*core, error) {
	if stdout == nil {
		stdout = os.Stdout
	}
	cfg, err := newConfig(sig, o, stdout)
	if err != nil {
		return nil, err
	}
	empty, err := otlpstdout.Encode(nil, sig, nil, cfg.gzip, cfg.meta)
	if err != nil {
		return nil, fmt.Errorf("otlp-stdout %s exporter: %w", sig, err)
	}
	return &core{cfg: cfg, envelope: len(empty)}, nil
}

// buffers are reused between exports.
type buffers struct{ pb, line []byte }

// maxPooled keeps one huge export from pinning its buffers.
const maxPooled = 4 << 20

var bufPool = sync.Pool{New: func() any { return new(buffers) }}

// write serializes req and writes it as one envelope line, or as several
// if that line would be longer than the cap. With nothing to write
// (items == 0) it writes no line but touches a named pipe, as the
// reference does for an empty batch.
func (c *core) write(ctx context.Context, req proto.Message, items int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if items == 0 {
		return c.cfg.out.touch(ctx)
	}
	b := bufPool.Get().(*buffers)
	defer func() {
		if cap(b.pb) <= maxPooled && cap(b.line) <= maxPooled {
			bufPool.Put(b)
		}
	}()
	var err error
	b.pb, err = proto.MarshalOptions{}.MarshalAppend(b.pb[:0], req)
	if err != nil {
		return fmt.Errorf("otlp-stdout %s exporter: marshal %d items: %w", c.cfg.signal, items, err)
	}
	return c.writeLines(ctx, b, b.pb, items)
}

// writeLines writes the serialized request pb as one line if the line fits
// in the cap; else it splits pb (otlp.Split: between resources, then
// scopes, then items, each part repeating its resource and scope) and
// writes each part the same way, since parts compress differently. A part
// that does not split, a single item, is written whole over the cap: a
// line that may be cut beats data surely dropped. b.line is reused.
func (c *core) writeLines(ctx context.Context, b *buffers, pb []byte, items int) error {
	var err error
	b.line, err = otlpstdout.Encode(b.line[:0], c.cfg.signal, pb, c.cfg.gzip, c.cfg.meta)
	if err != nil {
		return fmt.Errorf("otlp-stdout %s exporter: %w", c.cfg.signal, err)
	}
	var splitErr error
	if limit := c.cfg.maxLine; limit > 0 && len(b.line) > limit {
		parts, err := otlp.Split(c.cfg.signal, pb, c.splitSize(len(pb), len(b.line)))
		switch {
		case err != nil:
			// pb is proto.Marshal's output, so this is a bug; the line is
			// still written.
			splitErr = fmt.Errorf("otlp-stdout %s exporter: line of %d bytes over the cap of %d written whole: %w", c.cfg.signal, len(b.line), limit, err)
		case len(parts) > 1:
			for _, p := range parts {
				if err := c.writeLines(ctx, b, p.Data, p.Items); err != nil {
					return err
				}
			}
			return nil
		default:
			c.cfg.log.Warn("otlp-stdout exporter: a line over the cap does not split (one item); writing it whole, CloudWatch Logs may cut it",
				"signal", c.cfg.signal.String(), "items", items, "bytes", len(b.line), "max", limit)
		}
	}
	if err := c.cfg.out.writeLine(ctx, b.line); err != nil {
		return fmt.Errorf("otlp-stdout %s exporter: write %d items (%d bytes): %w", c.cfg.signal, items, len(b.line), err)
	}
	return splitErr
}

// splitSize is the request size to split at so that the parts of a request
// of pbLen bytes, whose line took lineLen, get lines within the cap: the
// payload grows in proportion to the request, less a tenth for parts that
// compress worse than the whole (those are split again). At least 1 (every
// item alone), below pbLen.
func (c *core) splitSize(pbLen, lineLen int) int {
	room := c.cfg.maxLine - c.envelope
	growth := lineLen - c.envelope
	if room <= 0 || growth <= 0 {
		return 1
	}
	n := int(0.9 * float64(room) * float64(pbLen) / float64(growth))
	return max(1, min(n, pbLen-1))
}

// shutdown stops new exports and waits, within ctx, for those in flight.
// Calls after the first return nil at once.
func (c *core) shutdown(ctx context.Context) error {
	idle, first := c.gate.close()
	if !first {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// forceFlush has nothing to flush: every export writes its line before it
// returns. It reports a done ctx, as the SDK asks.
func (c *core) forceFlush(ctx context.Context) error {
	if c.gate.isClosed() {
		return nil
	}
	return ctx.Err()
}

// gate counts exports in flight and closes once.
type gate struct {
	mu     sync.Mutex
	closed bool
	n      int
	idle   chan struct{} // made by close; closed when closed and n == 0
}

// enter admits an export, unless the gate is closed.
func (g *gate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.n++
	return true
}

func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	if g.closed && g.n == 0 {
		close(g.idle)
	}
}

// close closes the gate; idle is closed once no export is in flight.
// first is false if the gate was already closed.
func (g *gate) close() (idle <-chan struct{}, first bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return g.idle, false
	}
	g.closed = true
	g.idle = make(chan struct{})
	if g.n == 0 {
		close(g.idle)
	}
	return g.idle, true
}

func (g *gate) isClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}
