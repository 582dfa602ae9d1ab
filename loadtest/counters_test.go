package loadtest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/emf"
)

func TestCountersSumEMFFromAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fn.log")
	var buf bytes.Buffer
	w := emf.New(&buf, "otlpfwd")
	_ = w.Emit(map[string]string{"Function": "export", "Collector": "c"}, []emf.Metric{{Name: "Delivered", Unit: emf.Count, Value: 5}})
	buf.WriteString(`{"level":"INFO","msg":"not metrics"}` + "\n")
	_ = w.Emit(map[string]string{"Function": "export", "Collector": "c"}, []emf.Metric{{Name: "Delivered", Unit: emf.Count, Value: 7}})
	_ = w.Emit(map[string]string{"Function": "ingest"}, []emf.Metric{{Name: "ItemsIn", Unit: emf.Count, Value: 12}})
	all := buf.Bytes()
	if err := os.WriteFile(path, all[:len(all)/2], 0o644); err != nil { // half a line first
		t.Fatal(err)
	}
	c := NewCounters()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { TailFile(ctx, path, c, 10*time.Millisecond); close(done) }()
	time.Sleep(30 * time.Millisecond)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.Write(all[len(all)/2:])
	f.Close()
	cancel()
	<-done
	if got := c.Get("export/Delivered{Collector=c}"); got != 12 {
		t.Fatalf("delivered %v, want 12; all %v", got, c.Snapshot())
	}
	if got := c.Get("ingest/ItemsIn"); got != 12 {
		t.Fatalf("items in %v", got)
	}
}
