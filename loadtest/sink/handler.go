package sink

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// maxBody bounds a request body, inflated or not: the Collector's default
// limit.
const maxBody = 20 << 20

// Stats are the counters the sink keeps since it started.
type Stats struct {
	// Requests accepted, and the items (spans, data points, log records)
	// they carried.
	Requests int64 `json:"requests"`
	Items    int64 `json:"items"`
	// WireBytes are bodies as received; RawBytes the same inflated.
	WireBytes int64 `json:"wire_bytes"`
	RawBytes  int64 `json:"raw_bytes"`
	// Rejected counts requests answered 4xx (unreadable or invalid).
	Rejected int64 `json:"rejected"`
	// LastError describes the last rejection.
	LastError string `json:"last_error,omitempty"`
}

// Handler serves POST /v1/traces, /v1/metrics and /v1/logs, and GET /stats
// (Stats as JSON). Its zero value is ready to use.
type Handler struct {
	mu sync.Mutex
	st Stats
}

var signals = map[string]otlp.Signal{"/v1/traces": otlp.Traces, "/v1/metrics": otlp.Metrics, "/v1/logs": otlp.Logs}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/stats" {
		h.mu.Lock()
		st := h.st
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(st)
		return
	}
	sig, ok := signals[r.URL.Path]
	if !ok || r.Method != http.MethodPost {
		h.reject(w, http.StatusNotFound, fmt.Errorf("%s %s: not an OTLP/HTTP export path", r.Method, r.URL.Path))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		h.reject(w, http.StatusUnsupportedMediaType, fmt.Errorf("content type %q: the sink reads protobuf only", ct))
		return
	}
	wire, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err == nil && len(wire) > maxBody {
		err = fmt.Errorf("body over %d bytes", maxBody)
	}
	if err != nil {
		h.reject(w, http.StatusBadRequest, fmt.Errorf("read body: %w", err))
		return
	}
	raw, err := inflate(r.Header.Get("Content-Encoding"), wire)
	if err != nil {
		h.reject(w, http.StatusBadRequest, err)
		return
	}
	st, err := otlp.Scan(sig, raw)
	if err != nil {
		h.reject(w, http.StatusBadRequest, fmt.Errorf("%s request: %w", sig, err))
		return
	}
	h.mu.Lock()
	h.st.Requests++
	h.st.Items += int64(st.Items)
	h.st.WireBytes += int64(len(wire))
	h.st.RawBytes += int64(len(raw))
	h.mu.Unlock()
	// An empty Export*ServiceResponse serializes to no bytes.
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

func (h *Handler) reject(w http.ResponseWriter, status int, err error) {
	h.mu.Lock()
	h.st.Rejected++
	h.st.LastError = err.Error()
	h.mu.Unlock()
	http.Error(w, err.Error(), status)
}

// inflate undoes the request's Content-Encoding. Gzip is read with the
// standard library, member after member, as the Collector reads it.
func inflate(encoding string, wire []byte) ([]byte, error) {
	var r io.Reader
	switch encoding {
	case "", "identity":
		return wire, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(wire))
		if err != nil {
			return nil, fmt.Errorf("gunzip body: %w", err)
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(wire), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("unzstd body: %w", err)
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("content encoding %q: want gzip, zstd or none", encoding)
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("inflate %s body: %w", encoding, err)
	}
	if len(raw) > maxBody {
		return nil, fmt.Errorf("%s body inflates to over %d bytes", encoding, maxBody)
	}
	return raw, nil
}
