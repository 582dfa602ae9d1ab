package export

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/otlpfwd/otlpfwd/shared/compress"
	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// collector is an httptest OTLP/HTTP receiver that decodes what it gets.
type collector struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int // answered in turn; after the last, 200
	ids      map[otlp.Signal][]string
	requests []received
}

type received struct {
	signal   otlp.Signal
	raw      []byte // decompressed body
	body     int    // bytes on the wire
	ctype    string
	encoding string
	headers  http.Header
}

func newCollector(t *testing.T, statuses ...int) *collector {
	t.Helper()
	c := &collector{statuses: statuses, ids: map[otlp.Signal][]string{}}
	c.Server = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.Close)
	return c
}

func (c *collector) serve(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	status := http.StatusOK
	if len(c.statuses) > 0 {
		status, c.statuses = c.statuses[0], c.statuses[1:]
	}
	c.mu.Unlock()
	sig, err := otlp.SignalFromEndpoint(r.URL.Path)
	if err != nil {
		http.Error(w, "unknown path", http.StatusNotFound)
		return
	}
	body, _ := io.ReadAll(r.Body)
	if status != http.StatusOK {
		w.WriteHeader(status)
		_, _ = w.Write([]byte("injected failure"))
		return
	}
	raw := body
	switch r.Header.Get("Content-Encoding") {
	case "gzip":
		raw, err = compress.Gunzip(nil, body, 0)
	case "zstd":
		raw, err = compress.Unzstd(nil, body, 0)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pb := raw
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		pb, err = otlp.UnmarshalJSON(sig, raw)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	ids, err := fixture.TestIDs(sig, pb)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.ids[sig] = append(c.ids[sig], ids...)
	c.requests = append(c.requests, received{signal: sig, raw: pb, body: len(body), ctype: r.Header.Get("Content-Type"), encoding: r.Header.Get("Content-Encoding"), headers: r.Header.Clone()})
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

// got returns the sorted test ids received for a signal.
func (c *collector) got(sig otlp.Signal) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]string(nil), c.ids[sig]...)
	sort.Strings(out)
	return out
}

func (c *collector) received() []received {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]received(nil), c.requests...)
}
