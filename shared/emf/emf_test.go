package emf

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestEmitAndParse(t *testing.T) {
	var buf bytes.Buffer
	w := New(&buf, "otlpfwd")
	w.now = func() time.Time { return time.UnixMilli(1764000000123) }
	var many []Metric
	for i := 0; i < 130; i++ {
		many = append(many, Metric{Name: "M" + string(rune('A'+i%26)) + string(rune('a'+i/26)), Unit: Count, Value: float64(i)})
	}
	if err := w.Emit(map[string]string{"Function": "export", "Collector": "c1"}, append([]Metric{{"Delivered", Count, 42}, {"BytesOut", Bytes, 0}}, many...)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines for 132 metrics, want 2 (100 per directive)", len(lines))
	}
	values := map[string]float64{}
	for _, l := range lines {
		var doc map[string]any
		if err := json.Unmarshal([]byte(l), &doc); err != nil {
			t.Fatal(err)
		}
		aws := doc["_aws"].(map[string]any)
		cwm := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
		if cwm["Namespace"] != "otlpfwd" || aws["Timestamp"].(float64) != 1764000000123 {
			t.Fatalf("directive %v", aws)
		}
		if dims := cwm["Dimensions"].([]any)[0].([]any); len(dims) != 2 || dims[0] != "Collector" || dims[1] != "Function" {
			t.Fatalf("dimensions %v", dims)
		}
		r, ok := Parse([]byte(l))
		if !ok || r.Dimensions["Collector"] != "c1" || r.Dimensions["Function"] != "export" {
			t.Fatalf("Parse = %+v, %v", r, ok)
		}
		for k, v := range r.Values {
			values[k] = v
		}
	}
	if values["Delivered"] != 42 || len(values) != 132 {
		t.Fatalf("read back %d values, Delivered=%v", len(values), values["Delivered"])
	}
	if _, ok := Parse([]byte(`{"msg":"not emf"}`)); ok {
		t.Fatal("parsed a plain log line as EMF")
	}
	var nilWriter *Writer
	if err := nilWriter.Emit(nil, []Metric{{"x", Count, 1}}); err != nil {
		t.Fatal(err)
	}
}
