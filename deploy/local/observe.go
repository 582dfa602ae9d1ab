package local

import (
	"context"
	"sync"
	"time"

	"github.com/otlpfwd/otlpfwd/deploy/svc"
	"github.com/otlpfwd/otlpfwd/loadtest"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// Observer follows what reaches the pipeline's own collector (its file
// exporter's output) into a ledger, every 100 ms, until Close.
type Observer struct {
	ledger *loadtest.Ledger
	tail   *loadtest.FileTail
	mu     sync.Mutex
	err    error
	stop   context.CancelFunc
	done   chan struct{}
}

// Observe starts following the collector's output. It returns nil when
// the pipeline sends to a collector it did not start.
func (p *Pipeline) Observe(ledger *loadtest.Ledger) *Observer {
	if p.Collector == nil {
		return nil
	}
	o := &Observer{ledger: ledger, done: make(chan struct{}), tail: loadtest.NewFileTail(ledger, map[otlp.Signal]string{
		otlp.Traces: p.Collector.OutputPath(svc.Traces), otlp.Metrics: p.Collector.OutputPath(svc.Metrics), otlp.Logs: p.Collector.OutputPath(svc.Logs)})}
	ctx, cancel := context.WithCancel(context.Background())
	o.stop = cancel
	go func() {
		defer close(o.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			o.Poll()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return o
}

// Poll reads the output now (the goroutine does it every 100 ms).
func (o *Observer) Poll() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.tail.Poll(); err != nil && o.err == nil {
		o.err = err
	}
}

// Err is the first error reading the output.
func (o *Observer) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// Close stops following, after a last read.
func (o *Observer) Close() {
	o.stop()
	<-o.done
	o.Poll()
}
