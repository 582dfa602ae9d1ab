package peakmem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlpfwd/otlpfwd/loadtest/bootstrap"
	"github.com/otlpfwd/otlpfwd/loadtest/compare"
	"github.com/otlpfwd/otlpfwd/loadtest/lambdart"
	"github.com/otlpfwd/otlpfwd/loadtest/procstat"
	"github.com/otlpfwd/otlpfwd/loadtest/sink"
	"github.com/otlpfwd/otlpfwd/shared/fixture/synth"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// BatchBytes is the record data of the batch each function gets: Lambda's
// limit for a Kinesis event source mapping batch, read as 6 MiB.
const BatchBytes = 6 << 20

// Options configures Measure. Zero values give the defaults noted.
type Options struct {
	// Root is the module root; Dir receives the binaries. Required.
	Root, Dir string
	// Runs per subject and build. Default 3.
	Runs int
	// BatchBytes is the record data of each batch. Default BatchBytes.
	BatchBytes int
	// Invocations is the number of times each process gets the batch, in
	// a row, as a warm Lambda would (the peak is over all). Default 1.
	Invocations int
	// Env is added to every bootstrap's environment (e.g.
	// GOMEMLIMIT=100MiB, GOGC=50).
	Env []string
	// Replace maps module-relative source files to replacements, applied
	// to both builds with go build -overlay: a proposed change, measured
	// without touching the tree (testdata/overlay holds some).
	Replace map[string]string
	// Progress receives a line per step. Nil: none.
	Progress io.Writer
}

// Subject is one function in one configuration, and its input.
type Subject struct {
	Name string
	fn   bootstrap.Function
	mode route.Mode
	// Event is the Lambda event (JSON); DataBytes its record data;
	// Records and Spans what it holds.
	Event                     []byte
	DataBytes, Records, Spans int
}

// Result is what the runs of one subject measured.
type Result struct {
	Subject                   string
	EventBytes                int
	DataBytes, Records, Spans int
	// IdleRSS is the process's resident set after init, before the event
	// (median); PeakRSS its VmHWM after answering (max and median over
	// runs, the Lambda build).
	IdleRSS, PeakRSS, PeakRSSMedian int64
	// GC is the gctrace of the run with the largest PeakRSS.
	GC GCTrace
	// Heap is the sampled peak (max over runs of the sampler build), and
	// SamplerPeakRSS that build's VmHWM (max).
	Heap           HeapPeak
	SamplerPeakRSS int64
	// Duration is the first invocation's time, event out to answer
	// (median); CPU the process's CPU time per invocation (median, the
	// Lambda build; /proc, 10 ms ticks).
	Duration, CPU time.Duration
}

// Report is the whole measurement.
type Report struct {
	Machine     string
	Runs        int
	Invocations int
	Env         []string
	Replace     map[string]string
	Results     []Result
}

// Subjects builds the inputs: a batch of about size bytes of subscription
// records for ingest (synth.KinesisBatch: 10 envelopes of 100 spans x 6
// attributes per record), and the largest batch of tier-2 records within
// size for export (merge and passthrough).
func Subjects(size int) ([]Subject, error) {
	in := synth.KinesisBatch(size, 10, 100, 6)
	ingestEvent, err := json.Marshal(in.Event)
	if err != nil {
		return nil, err
	}
	// Enough payloads to fill one batch; the first, full one is used.
	batches := compare.Tier2(compare.Payloads("mem", size/7000, 100, 6), size)
	if len(batches) < 2 {
		return nil, errors.New("peakmem: the payloads did not fill a whole batch")
	}
	b := batches[0]
	subs := []Subject{{Name: "ingest", fn: bootstrap.Ingest, Event: ingestEvent, DataBytes: in.Bytes, Records: in.Records, Spans: in.Spans}}
	for _, mode := range []route.Mode{route.ModeMerge, route.ModePassthrough} {
		subs = append(subs, Subject{Name: "export " + string(mode), fn: bootstrap.Export, mode: mode,
			Event: b.JSON, DataBytes: b.Bytes, Records: len(b.Event.Records), Spans: b.Spans})
	}
	return subs, nil
}

// sampler is the variant with testdata/heapsampler.go added to fn's main
// package.
func sampler(fn bootstrap.Function, replace map[string]string) bootstrap.Variant {
	v := bootstrap.Variant{Name: "heapsampler", Custom: true, Tags: []string{"lambda.norpc"}, LDFlags: "-s -w",
		Replace: map[string]string{path.Join(fn.Dir, "zz_heapsampler.go"): "loadtest/peakmem/testdata/heapsampler.go"},
		Note:    "as for Lambda, plus a goroutine sampling runtime/metrics every millisecond"}
	maps.Copy(v.Replace, replace)
	return v
}

// lambda builds as for Lambda, with replace applied.
func lambda(replace map[string]string) bootstrap.Variant {
	if len(replace) == 0 {
		return bootstrap.Lambda
	}
	return bootstrap.Variant{Name: "lambda+overlay", Custom: true, Tags: []string{"lambda.norpc"}, LDFlags: "-s -w", Replace: replace}
}

// Measure runs each subject Runs times with the Lambda build (gctrace on)
// and Runs times with the sampler build.
func Measure(ctx context.Context, o Options) (Report, error) {
	if o.Runs <= 0 {
		o.Runs = 3
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = BatchBytes
	}
	if o.Invocations <= 0 {
		o.Invocations = 1
	}
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	load, _ := procstat.LoadAverage()
	rep := Report{Machine: fmt.Sprintf("%s/%s, %d CPUs, %s, load average %.2f at start", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), load), Runs: o.Runs, Invocations: o.Invocations, Env: o.Env, Replace: o.Replace}
	home := filepath.Join(o.Dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return rep, err
	}
	bins := map[string][2]string{}
	for _, fn := range []bootstrap.Function{bootstrap.Ingest, bootstrap.Export} {
		plain, sampled := filepath.Join(o.Dir, fn.Name), filepath.Join(o.Dir, fn.Name+"-heapsampler")
		fmt.Fprintf(progress, "build %s (as for Lambda, and with the heap sampler)\n", fn.Name)
		if err := bootstrap.Build(ctx, o.Root, fn, runtime.GOARCH, lambda(o.Replace), plain); err != nil {
			return rep, err
		}
		if err := bootstrap.Build(ctx, o.Root, fn, runtime.GOARCH, sampler(fn, o.Replace), sampled); err != nil {
			return rep, err
		}
		bins[fn.Name] = [2]string{plain, sampled}
	}
	fmt.Fprintf(progress, "making the %.1f MiB batches\n", float64(o.BatchBytes)/(1<<20))
	subs, err := Subjects(o.BatchBytes)
	if err != nil {
		return rep, err
	}
	for _, s := range subs {
		res := Result{Subject: s.Name, EventBytes: len(s.Event), DataBytes: s.DataBytes, Records: s.Records, Spans: s.Spans}
		var idle, peaks []int64
		var durs, cpus []time.Duration
		for i := range 2 * o.Runs {
			sampled := i%2 == 1
			bin := bins[s.fn.Name][0]
			env := append([]string{"GODEBUG=gctrace=1"}, o.Env...)
			if sampled {
				bin = bins[s.fn.Name][1]
				env = o.Env
			}
			fmt.Fprintf(progress, "%s: run %d (%s)\n", s.Name, i/2+1, map[bool]string{false: "gctrace", true: "heap sampler"}[sampled])
			run, err := runOnce(ctx, s, bin, home, env, o.Invocations)
			if err != nil {
				return rep, err
			}
			if sampled {
				p, ok := ParseHeapPeak(run.Stderr)
				if !ok {
					return rep, fmt.Errorf("%s: the heap sampler reported nothing", s.Name)
				}
				res.Heap.Objects = max(res.Heap.Objects, p.Objects)
				res.Heap.Runtime = max(res.Heap.Runtime, p.Runtime)
				res.SamplerPeakRSS = max(res.SamplerPeakRSS, run.Mem.HWM)
				continue
			}
			idle = append(idle, run.Warm.Mem.RSS)
			peaks = append(peaks, run.Mem.HWM)
			durs = append(durs, run.Results[0].Done.Sub(run.Results[0].Sent))
			cpus = append(cpus, run.CPU.Sub(run.Warm.CPU).Total()/time.Duration(len(run.Results)))
			if run.Mem.HWM >= res.PeakRSS {
				res.PeakRSS = run.Mem.HWM
				res.GC = ParseGCTrace(run.Stderr)
			}
		}
		slices.Sort(idle)
		slices.Sort(peaks)
		slices.Sort(durs)
		slices.Sort(cpus)
		res.IdleRSS, res.PeakRSSMedian, res.Duration, res.CPU = idle[len(idle)/2], peaks[len(peaks)/2], durs[len(durs)/2], cpus[len(cpus)/2]
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

// runOnce runs bin on the subject's event, n times, against fresh fakes,
// holding it after init to read its idle memory, and checks that every
// span got through.
func runOnce(ctx context.Context, s Subject, bin, home string, extra []string, n int) (lambdart.Run, error) {
	kin := &Kinesis{}
	snk := &sink.Handler{}
	mux := http.NewServeMux()
	mux.Handle("/v1/", snk)
	mux.Handle("/stats", snk)
	mux.Handle("/", kin)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return lambdart.Run{}, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	defer srv.Close()
	url := "http://" + l.Addr().String()
	env := append(bootstrap.Env(s.fn, home, bootstrap.Endpoints{AWS: url, Collector: url, Mode: string(s.mode)}), extra...)
	evs := make([][]byte, n)
	for i := range evs {
		evs[i] = s.Event
	}
	run, err := lambdart.Exec(ctx, lambdart.Invoke{Binary: bin, Env: env, Events: evs, Hold: true, Timeout: 5 * time.Minute})
	if err != nil {
		return run, fmt.Errorf("%s: %w", s.Name, err)
	}
	for _, r := range run.Results {
		var resp events.KinesisEventResponse
		if r.Err || json.Unmarshal(r.Body, &resp) != nil || len(resp.BatchItemFailures) > 0 {
			return run, fmt.Errorf("%s: the batch failed: %s", s.Name, r.Body)
		}
	}
	got := int64(0)
	if s.fn == bootstrap.Ingest {
		c := kin.Counts()
		if len(c.Bad) > 0 {
			return run, fmt.Errorf("%s: fake Kinesis: %v", s.Name, c.Bad)
		}
		got = int64(c.Items)
	} else {
		st, err := sink.Get(ctx, http.DefaultClient, url)
		if err != nil {
			return run, err
		}
		if st.Rejected > 0 {
			return run, fmt.Errorf("%s: the sink rejected %d requests: %s", s.Name, st.Rejected, st.LastError)
		}
		got = st.Items
	}
	if got != int64(n*s.Spans) {
		return run, fmt.Errorf("%s: %d of %d spans got through", s.Name, got, n*s.Spans)
	}
	return run, nil
}
