package faults

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
)

// Reset breaks the connection with a TCP reset (RST) partway through the
// exchange; the client sees an error such as "connection reset by peer" or
// "unexpected EOF".
type Reset struct {
	// Forward sends the whole request to the target first, so the target
	// has processed it, then cuts the target's answer after ResponseBytes
	// bytes. Without Forward nothing reaches the target: the proxy reads
	// RequestBytes of the request body and resets.
	Forward bool
	// RequestBytes, without Forward, is how much of the request body is read
	// before the reset; a shorter body is read whole. Zero: none.
	RequestBytes int64
	// ResponseBytes, with Forward, is how many bytes of the target's answer
	// as sent on the wire (status line, headers, body) reach the client; at
	// most all but the last byte are sent, so the answer is always cut. Pick
	// more than the headers' size to cut the body. Zero: none.
	ResponseBytes int
}

func (a Reset) String() string {
	if a.Forward {
		return "forward then reset after " + strconv.Itoa(a.ResponseBytes) + " response bytes"
	}
	return "reset after " + strconv.FormatInt(a.RequestBytes, 10) + " request bytes"
}

func (a Reset) validate() error {
	if a.RequestBytes < 0 || a.ResponseBytes < 0 {
		return fmt.Errorf("RequestBytes %d and ResponseBytes %d must not be negative", a.RequestBytes, a.ResponseBytes)
	}
	return nil
}

func (a Reset) serve(x *exchange) {
	if !a.Forward {
		if _, err := io.CopyN(io.Discard, x.r.Body, a.RequestBytes); err != nil && !errors.Is(err, io.EOF) {
			x.fail(err)
		}
		x.reset(nil)
		return
	}
	resp, err := x.roundTrip(nil)
	if err != nil {
		x.reset(nil)
		return
	}
	wire, err := onWire(resp)
	if err != nil {
		x.fail(err)
		x.reset(nil)
		return
	}
	x.reset(wire[:min(a.ResponseBytes, len(wire)-1)])
}

// onWire is resp as an HTTP/1.1 server writes it, with a Content-Length.
func onWire(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read target response: %w", err)
	}
	h := resp.Header.Clone()
	for _, k := range hopHeaders {
		h.Del(k)
	}
	out := &http.Response{
		StatusCode:    resp.StatusCode,
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		ContentLength: int64(len(body)),
		Body:          io.NopCloser(bytes.NewReader(body)),
	}
	var buf bytes.Buffer
	if err := out.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Refuse drops the connection as soon as the request's headers are read,
// with a TCP reset and without a byte of answer, as a crashed service would.
// Nothing reaches the target. For a listener that refuses connections
// outright, use Proxy.Down.
type Refuse struct{}

func (Refuse) String() string    { return "refuse" }
func (Refuse) validate() error   { return nil }
func (Refuse) serve(x *exchange) { x.reset(nil) }

// reset takes over the connection, writes partial to it and closes it with
// SO_LINGER 0, so that the kernel sends RST instead of FIN.
func (x *exchange) reset(partial []byte) {
	conn, brw, err := http.NewResponseController(x.w.ResponseWriter).Hijack()
	if err != nil {
		x.fail(fmt.Errorf("hijack for reset: %w", err))
		panic(http.ErrAbortHandler) // the server closes the connection
	}
	x.entry.Err = joinErr(x.entry.Err, "connection reset by the proxy")
	if len(partial) > 0 {
		_ = writeAll(brw.Writer, partial)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func writeAll(w *bufio.Writer, b []byte) error {
	if _, err := w.Write(b); err != nil {
		return err
	}
	return w.Flush()
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
