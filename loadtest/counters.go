package loadtest

import (
	"bytes"
	"context"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/emf"
)

// Counters sums the EMF counters the Lambdas write to their output. It is
// an io.Writer: give it the functions' stdout (in process) or feed it their
// log files (TailFile). Safe for concurrent use.
type Counters struct {
	mu      sync.Mutex
	sums    map[string]float64
	partial []byte
}

// NewCounters returns empty counters.
func NewCounters() *Counters { return &Counters{sums: map[string]float64{}} }

// Write consumes output, line by line; lines that are not EMF are ignored.
func (c *Counters) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data := append(c.partial, p...)
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		c.add(data[:i])
		data = data[i+1:]
	}
	c.partial = append(c.partial[:0], data...)
	return len(p), nil
}

func (c *Counters) add(line []byte) {
	r, ok := emf.Parse(line)
	if !ok {
		return
	}
	for name, v := range r.Values {
		c.sums[Key(r.Dimensions, name)] += v
	}
}

// Key names a counter: "function/metric" or "function/metric{dim=value}".
func Key(dims map[string]string, metric string) string {
	k := dims["Function"] + "/" + metric
	var extra []string
	for d, v := range dims {
		if d != "Function" {
			extra = append(extra, d+"="+v)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		k += "{" + strings.Join(extra, ",") + "}"
	}
	return k
}

// Get returns one counter's sum.
func (c *Counters) Get(key string) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sums[key]
}

// Snapshot copies every counter.
func (c *Counters) Snapshot() map[string]float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]float64, len(c.sums))
	for k, v := range c.sums {
		out[k] = v
	}
	return out
}

// TailFile copies what is appended to the file at path into w until ctx
// ends, checking every interval; it reads what is there when it starts,
// and once more at the end.
func TailFile(ctx context.Context, path string, w io.Writer, interval time.Duration) {
	var off int64
	read := func() {
		f, err := os.Open(path)
		if err != nil {
			return
		}
		defer f.Close()
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return
		}
		n, _ := io.Copy(w, f)
		off += n
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		read()
		select {
		case <-ctx.Done():
			read()
			return
		case <-t.C:
		}
	}
}
