package emf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Units.
const (
	Count        = "Count"
	Bytes        = "Bytes"
	Milliseconds = "Milliseconds"
)

// Metric is one value.
type Metric struct {
	Name  string
	Unit  string
	Value float64
}

// Writer emits EMF lines to w (a Lambda's stdout). Safe for concurrent use;
// nil writes nothing.
type Writer struct {
	mu        sync.Mutex
	w         io.Writer
	namespace string
	now       func() time.Time
}

// New returns a Writer for namespace ("otlpfwd").
func New(w io.Writer, namespace string) *Writer {
	return &Writer{w: w, namespace: namespace, now: time.Now}
}

type directive struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []metricDecl `json:"Metrics"`
}

type metricDecl struct {
	Name string `json:"Name"`
	Unit string `json:"Unit,omitempty"`
}

// maxMetrics is the most metrics one EMF directive may declare.
const maxMetrics = 100

// Emit writes one line with the metrics under the given dimensions. Zero
// values are written too, so that sums over time stay exact.
func (e *Writer) Emit(dims map[string]string, metrics []Metric) error {
	if e == nil || e.w == nil || len(metrics) == 0 {
		return nil
	}
	if len(metrics) > maxMetrics {
		if err := e.Emit(dims, metrics[maxMetrics:]); err != nil {
			return err
		}
		metrics = metrics[:maxMetrics]
	}
	keys := make([]string, 0, len(dims))
	for k := range dims {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	doc := map[string]any{}
	for k, v := range dims {
		doc[k] = v
	}
	d := directive{Namespace: e.namespace, Dimensions: [][]string{keys}}
	for _, m := range metrics {
		d.Metrics = append(d.Metrics, metricDecl{Name: m.Name, Unit: m.Unit})
		doc[m.Name] = m.Value
	}
	doc["_aws"] = map[string]any{"Timestamp": e.now().UnixMilli(), "CloudWatchMetrics": []directive{d}}
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("emf: %w", err)
	}
	b = append(b, '\n')
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err = e.w.Write(b)
	return err
}

// Record is one EMF line read back.
type Record struct {
	Namespace  string
	Time       time.Time
	Dimensions map[string]string
	Values     map[string]float64
}

// Parse reads an EMF line; ok is false for any other line.
func Parse(line []byte) (Record, bool) {
	if !bytes.Contains(line, []byte(`"_aws"`)) {
		return Record{}, false
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(line), &doc); err != nil {
		return Record{}, false
	}
	var meta struct {
		Timestamp         int64       `json:"Timestamp"`
		CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
	}
	if err := json.Unmarshal(doc["_aws"], &meta); err != nil || len(meta.CloudWatchMetrics) == 0 {
		return Record{}, false
	}
	r := Record{Namespace: meta.CloudWatchMetrics[0].Namespace, Time: time.UnixMilli(meta.Timestamp),
		Dimensions: map[string]string{}, Values: map[string]float64{}}
	for _, d := range meta.CloudWatchMetrics {
		for _, set := range d.Dimensions {
			for _, k := range set {
				var v string
				if json.Unmarshal(doc[k], &v) == nil {
					r.Dimensions[k] = v
				}
			}
		}
		for _, m := range d.Metrics {
			var v float64
			if json.Unmarshal(doc[m.Name], &v) == nil {
				r.Values[m.Name] = v
			}
		}
	}
	return r, true
}
