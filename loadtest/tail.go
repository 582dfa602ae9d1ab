package loadtest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/otlpfwd/otlpfwd/shared/fixture"
	"github.com/otlpfwd/otlpfwd/shared/otlp"
)

// FileTail follows the OTLP/JSON files a collector's file exporter writes
// (one request per line) and records every tagged item in a ledger as
// delivered when its line appears.
type FileTail struct {
	ledger *Ledger
	files  []*tailed
}

type tailed struct {
	sig     otlp.Signal
	path    string
	offset  int64
	partial []byte
}

// NewFileTail follows the given files (signal -> path).
func NewFileTail(ledger *Ledger, files map[otlp.Signal]string) *FileTail {
	t := &FileTail{ledger: ledger}
	for _, sig := range otlp.Signals {
		if p, ok := files[sig]; ok {
			t.files = append(t.files, &tailed{sig: sig, path: p})
		}
	}
	return t
}

// Poll reads what was appended since the last call.
func (t *FileTail) Poll() error {
	now := time.Now()
	for _, f := range t.files {
		if err := f.poll(t.ledger, now); err != nil {
			return err
		}
	}
	return nil
}

func (f *tailed) poll(l *Ledger, now time.Time) error {
	fh, err := os.Open(f.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer fh.Close()
	if _, err := fh.Seek(f.offset, io.SeekStart); err != nil {
		return err
	}
	data, err := io.ReadAll(fh)
	if err != nil {
		return err
	}
	f.offset += int64(len(data))
	data = append(f.partial, data...)
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		line := data[:i]
		data = data[i+1:]
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		pb, err := otlp.UnmarshalJSON(f.sig, line)
		if err != nil {
			return fmt.Errorf("collector output %s: %w", f.path, err)
		}
		ids, err := otlp.ItemAttrs(f.sig, pb, fixture.TestIDKey)
		if err != nil {
			return fmt.Errorf("collector output %s: %w", f.path, err)
		}
		for _, id := range ids {
			l.Delivered(id, now)
		}
	}
	f.partial = append([]byte(nil), data...)
	return nil
}
