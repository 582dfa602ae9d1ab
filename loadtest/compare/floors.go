package compare

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"time"

	coltrace "go.opentelemetry.io/proto/slim/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otlpfwd/otlpfwd/loadtest/procstat"
)

// Floor is a fixed piece of work done on each payload in this process,
// whose spans per CPU-second calibrate the payloads against the bodies of
// the measurements: the same work measured on those is Ref.
type Floor struct {
	Name string
	Ref  float64 // spans per CPU-second on the bodies
	CPU  time.Duration
	// Spans is the number of spans worked on.
	Spans int
}

// SpansPerCPUSecond is the floor's rate on these payloads.
func (f Floor) SpansPerCPUSecond() float64 {
	if f.CPU <= 0 {
		return 0
	}
	return float64(f.Spans) / f.CPU.Seconds()
}

// Weight is how many times more a span of these payloads costs than one
// of the bodies, for this work.
func (f Floor) Weight() float64 {
	if r := f.SpansPerCPUSecond(); r > 0 {
		return f.Ref / r
	}
	return 0
}

// The floors timed, in Report.Floors order. FloorFull is the one the
// issue measured on the bodies of its 108k Collector run; the four steps
// it split on the bodies of its 105k run.
const (
	FloorFull = iota
	FloorGunzip
	FloorUnmarshal
	FloorMarshal
	FloorGzip
)

// floors times the single-core floor, stdlib gunzip + Google
// protobuf unmarshal + marshal + stdlib gzip, on payloads one request at
// a time on one goroutine, step by step.
func floors(payloads []Payload) ([]Floor, error) {
	fl := []Floor{
		FloorFull:      {Name: "stdlib gunzip + protobuf unmarshal + marshal + stdlib gzip", Ref: 83_000},
		FloorGunzip:    {Name: "  stdlib gunzip", Ref: 924_000},
		FloorUnmarshal: {Name: "  protobuf unmarshal (google.golang.org/protobuf)", Ref: 384_000},
		FloorMarshal:   {Name: "  protobuf marshal", Ref: 580_000},
		FloorGzip:      {Name: "  stdlib gzip (default level)", Ref: 255_000},
	}
	var out bytes.Buffer
	for _, p := range payloads {
		var req coltrace.ExportTraceServiceRequest
		var raw, enc []byte
		steps := []func() error{
			func() error {
				zr, err := gzip.NewReader(bytes.NewReader(p.Gzip))
				if err == nil {
					raw, err = io.ReadAll(zr)
				}
				return err
			},
			func() error { return proto.Unmarshal(raw, &req) },
			func() (err error) { enc, err = proto.Marshal(&req); return err },
			func() error {
				out.Reset()
				zw := gzip.NewWriter(&out)
				zw.Write(enc)
				return zw.Close()
			},
		}
		for i, step := range steps {
			t0, err := procstat.SelfCPU()
			if err != nil {
				return nil, err
			}
			if err := step(); err != nil {
				return nil, fmt.Errorf("floor %s: %w", fl[i+1].Name, err)
			}
			t1, _ := procstat.SelfCPU()
			fl[i+1].CPU += t1 - t0
			fl[i+1].Spans += p.Spans
			fl[FloorFull].CPU += t1 - t0
		}
		fl[FloorFull].Spans += p.Spans
	}
	return fl, nil
}
