package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/otlpfwd/otlpfwd/deploy/esm"
	"github.com/otlpfwd/otlpfwd/deploy/svc"
	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/ingest"
	"github.com/otlpfwd/otlpfwd/loadtest"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// Config says how to run the pipeline. Zero values give the defaults noted.
type Config struct {
	// Dir holds logs, checkpoints and the collector's output. Required.
	Dir string
	// Region is the AWS region. Default us-east-1 (stand-ins) or the
	// environment's (AWS).
	Region string
	// RealAWS uses the account of the default credential chain instead of
	// moto. Resources are created under Name; nothing is deleted.
	RealAWS bool
	// SubscriptionRoleArn is the role CloudWatch Logs assumes to write to
	// the raw stream; required with RealAWS (see Spec).
	SubscriptionRoleArn string
	// Name prefixes resources. Default "otlpfwd-local".
	Name string
	// CollectorURL sends to an existing collector instead of starting the
	// real OpenTelemetry Collector.
	CollectorURL string
	// Collectors replaces the one collector ("local") with these.
	Collectors []route.Collector
	// LogGroups are subscribed to the raw stream.
	LogGroups []string
	// InProcess runs the handlers in this process instead of as bootstraps
	// under the Lambda Runtime Interface Emulator.
	InProcess bool
	// LambdaEndpoint, when set, is the AWS endpoint the functions use
	// (tests put a fault-injecting proxy there); default the pipeline's.
	LambdaEndpoint string
	// RawShards and ExportShards size the streams. Default 2 each.
	RawShards, ExportShards int
	// Parallelization is each mapping's ParallelizationFactor. Default 1.
	Parallelization int
	// IngestTimeout and ExportTimeout are the functions' timeouts.
	// Defaults 30s and 30s (whole seconds under RIE).
	IngestTimeout, ExportTimeout time.Duration
	// ExportMargin is the export function's deadline margin
	// (OTLPFWD_DEADLINE_MARGIN). Default 3s.
	ExportMargin time.Duration
	// BatchSize and BatchingWindow apply to both mappings. Defaults 100
	// and 500ms.
	BatchSize      int
	BatchingWindow time.Duration
	// MaxRetryAttempts of both mappings. Default 20.
	MaxRetryAttempts int
	// ExtraEnv is added to both functions' environment.
	ExtraEnv map[string]string
	// CollectorFront, when set, is given the URL of the collector the
	// pipeline started and returns the URL the functions send to (tests put
	// a fault-injecting proxy there).
	CollectorFront func(ctx context.Context, url string) (string, error)
	// AWSFront, when set, is given the stand-in's URL and returns the
	// endpoint the functions use (a proxy in front of moto).
	AWSFront func(ctx context.Context, url string) (string, error)
	// Progress receives what the pipeline is doing (building, starting).
	// Default: discard.
	Progress io.Writer
}

// Pipeline is a running local pipeline.
type Pipeline struct {
	cfg       Config
	AWS       *AWS
	Stack     *Stack
	Moto      *svc.Moto
	Collector *svc.Collector // nil with Config.CollectorURL
	// CollectorURL is where collector "local" sends.
	CollectorURL string
	// Counters sums the functions' EMF counters.
	Counters *loadtest.Counters
	Ingest   *esm.Mapping
	Export   *esm.Mapping

	rie                  []*svc.RIE
	ingestInv, exportInv esm.Invoker
	cancel               context.CancelFunc // stops the mappings
	mappings             *sync.WaitGroup
	cancelTails          func()
	wg                   sync.WaitGroup
	errs                 chan error
	stopMu               sync.Mutex
	done                 bool
}

func (c *Config) defaults() error {
	if c.Dir == "" {
		return errors.New("local: no work directory")
	}
	if c.Region == "" && !c.RealAWS {
		c.Region = "us-east-1"
	}
	if c.Name == "" {
		c.Name = "otlpfwd-local"
	}
	if c.RealAWS && c.SubscriptionRoleArn == "" {
		return ErrNoSubscriptionRole
	}
	if c.RawShards <= 0 {
		c.RawShards = 2
	}
	if c.ExportShards <= 0 {
		c.ExportShards = 2
	}
	if c.Parallelization <= 0 {
		c.Parallelization = 1
	}
	if c.IngestTimeout <= 0 {
		c.IngestTimeout = 30 * time.Second
	}
	if c.ExportTimeout <= 0 {
		c.ExportTimeout = 30 * time.Second
	}
	if c.ExportMargin <= 0 {
		c.ExportMargin = 3 * time.Second
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 100
	}
	if c.BatchingWindow <= 0 {
		c.BatchingWindow = 500 * time.Millisecond
	}
	if c.MaxRetryAttempts <= 0 {
		c.MaxRetryAttempts = 20
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return nil
}

// Start brings the pipeline up: stand-ins, resources, functions and the
// two event source mappings. Stop undoes it.
func Start(ctx context.Context, cfg Config) (_ *Pipeline, err error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	p := &Pipeline{cfg: cfg, Counters: loadtest.NewCounters(), errs: make(chan error, 4), cancelTails: func() {}}
	defer func() {
		if err != nil {
			_ = p.Stop()
		}
	}()
	endpoint := ""
	if !cfg.RealAWS {
		fmt.Fprintln(cfg.Progress, "starting moto (AWS stand-in)...")
		if p.Moto, err = svc.StartMoto(ctx, svc.Options{Dir: subdir(cfg.Dir, "moto")}); err != nil {
			return nil, err
		}
		endpoint = p.Moto.URL()
		// A new moto has new streams with the same ARNs and sequence
		// numbers that start over: a previous run's checkpoints (same
		// --dir) would skip this run's records.
		if err := discardCheckpoints(cfg.Dir, cfg.Progress); err != nil {
			return nil, err
		}
	}
	if p.AWS, err = NewAWS(ctx, endpoint, cfg.Region); err != nil {
		return nil, err
	}
	p.CollectorURL = cfg.CollectorURL
	if p.CollectorURL == "" && len(cfg.Collectors) == 0 {
		fmt.Fprintln(cfg.Progress, "starting the OpenTelemetry Collector (built once and cached; the first build takes a few minutes)...")
		if p.Collector, err = svc.StartCollector(ctx, svc.CollectorOptions{Dir: subdir(cfg.Dir, "collector")}); err != nil {
			return nil, err
		}
		p.CollectorURL = p.Collector.Endpoint()
		if cfg.CollectorFront != nil {
			if p.CollectorURL, err = cfg.CollectorFront(ctx, p.CollectorURL); err != nil {
				return nil, err
			}
		}
	}
	if cfg.AWSFront != nil && endpoint != "" {
		if p.cfg.LambdaEndpoint, err = cfg.AWSFront(ctx, endpoint); err != nil {
			return nil, err
		}
	}
	collectors := cfg.Collectors
	if len(collectors) == 0 {
		collectors = []route.Collector{{Name: "local", Endpoint: p.CollectorURL}}
	}
	fmt.Fprintln(cfg.Progress, "creating streams, queues, collector secrets and subscriptions...")
	if p.Stack, err = p.AWS.Provision(ctx, Spec{Name: cfg.Name, RawShards: cfg.RawShards, ExportShards: cfg.ExportShards,
		LogGroups: cfg.LogGroups, Collectors: collectors, SubscriptionRoleArn: cfg.SubscriptionRoleArn}); err != nil {
		return nil, err
	}
	if p.ingestInv, p.exportInv, err = p.functions(ctx); err != nil {
		return nil, err
	}
	if err := p.startMappings(); err != nil {
		return nil, err
	}
	return p, nil
}

// startMappings creates the two event source mappings (resuming from their
// checkpoint files) and runs them.
func (p *Pipeline) startMappings() error {
	var err error
	if p.Ingest, err = p.mapping(p.Stack.RawStreamARN, "ingest", p.ingestInv); err != nil {
		return err
	}
	if p.Export, err = p.mapping(p.Stack.ExportStreamARN, "export", p.exportInv); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.mappings = &sync.WaitGroup{}
	for _, m := range []*esm.Mapping{p.Ingest, p.Export} {
		p.mappings.Add(1)
		go func() {
			defer p.mappings.Done()
			if err := m.Run(ctx); err != nil {
				p.errs <- err
			}
		}()
	}
	return nil
}

// RestartMappings stops both event source mappings, as a crash of the
// poller would (batches in flight are not checkpointed), and starts new
// ones that resume from the checkpoint files.
func (p *Pipeline) RestartMappings() error {
	p.cancel()
	p.mappings.Wait()
	return p.startMappings()
}

// env is the functions' environment.
func (p *Pipeline) env(ctx context.Context) (map[string]string, error) {
	env, err := p.AWS.LambdaEnv(ctx)
	if err != nil {
		return nil, err
	}
	if p.cfg.LambdaEndpoint != "" {
		env["AWS_ENDPOINT_URL"] = p.cfg.LambdaEndpoint
	}
	env[ingest.EnvExportStream] = p.Stack.ExportStreamARN
	env[ingest.EnvRawStream] = p.Stack.RawStreamARN
	env[ingest.EnvDLQURL] = p.Stack.DLQURL
	env[route.EnvCollectorsSecretPrefix] = p.Stack.SecretPrefix
	env[export.EnvMargin] = p.cfg.ExportMargin.String()
	env["OTLPFWD_COLLECTORS_TTL"] = "5s"
	for k, v := range p.cfg.ExtraEnv {
		env[k] = v
	}
	return env, nil
}

// functions starts the two functions and returns their invokers: one RIE
// instance per shard and parallelization slot (RIE runs one invocation at
// a time), or the handlers in process.
func (p *Pipeline) functions(ctx context.Context) (esm.Invoker, esm.Invoker, error) {
	env, err := p.env(ctx)
	if err != nil {
		return nil, nil, err
	}
	if p.cfg.InProcess {
		getenv := func(k string) string { return env[k] }
		ih, err := ingest.FromEnv(ctx, getenv, p.output("ingest"))
		if err != nil {
			return nil, nil, err
		}
		eh, err := export.FromEnv(ctx, getenv, p.output("export"))
		if err != nil {
			return nil, nil, err
		}
		return esm.NewInProcess(ih.Handle, esm.InProcessOptions{Timeout: p.cfg.IngestTimeout}),
			esm.NewInProcess(eh.Handle, esm.InProcessOptions{Timeout: p.cfg.ExportTimeout}), nil
	}
	root, err := SourceRoot(mustGetwd())
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintln(p.cfg.Progress, "building the ingest and export bootstraps...")
	boot, err := BuildBootstraps(ctx, root, filepath.Join(p.cfg.Dir, "bin"))
	if err != nil {
		return nil, nil, err
	}
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	start := func(name, bootstrap string, n int, timeout time.Duration) (esm.Invoker, error) {
		var invs []esm.Invoker
		for i := 0; i < n; i++ {
			dir := subdir(p.cfg.Dir, filepath.Join("functions", name+"-"+strconv.Itoa(i)))
			fenv := append(append([]string(nil), kv...), "AWS_LAMBDA_FUNCTION_NAME=otlpfwd-"+name, "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/otlpfwd-"+name)
			r, err := svc.StartRIE(ctx, svc.RIEOptions{Dir: dir, Bootstrap: bootstrap, Env: fenv, Timeout: timeout.Truncate(time.Second), MemoryMB: 128})
			if err != nil {
				return nil, fmt.Errorf("start %s under RIE: %w", name, err)
			}
			p.rie = append(p.rie, r)
			p.tail(r.LogPath())
			invs = append(invs, esm.NewRIEInvoker(r.InvokeURL(), &http.Client{})) // RIE enforces the function timeout
		}
		return esm.NewPool(invs...)
	}
	fmt.Fprintln(p.cfg.Progress, "starting the functions under the Lambda Runtime Interface Emulator...")
	in, err := start("ingest", boot.Ingest, p.cfg.RawShards*p.cfg.Parallelization, p.cfg.IngestTimeout)
	if err != nil {
		return nil, nil, err
	}
	out, err := start("export", boot.Export, p.cfg.ExportShards*p.cfg.Parallelization, p.cfg.ExportTimeout)
	if err != nil {
		return nil, nil, err
	}
	return in, out, nil
}

// output is where an in-process function writes: its log file and the
// counters.
func (p *Pipeline) output(name string) io.Writer {
	path := filepath.Join(p.cfg.Dir, "functions", name+".log")
	_ = os.MkdirAll(filepath.Dir(path), 0o755)
	f, err := os.Create(path)
	if err != nil {
		return p.Counters
	}
	return &lockedWriter{w: io.MultiWriter(f, p.Counters)}
}

// tail feeds a function's log file into the counters until Stop.
func (p *Pipeline) tail(path string) {
	ctx, cancel := context.WithCancel(context.Background())
	prev := p.cancelTails
	p.cancelTails = func() { cancel(); prev() }
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		loadtest.TailFile(ctx, path, p.Counters, 200*time.Millisecond)
	}()
}

// checkpointFile is where a mapping keeps its checkpoints, so that
// RestartMappings resumes.
func checkpointFile(dir, function string) string {
	return filepath.Join(dir, "checkpoints-"+function+".json")
}

// discardCheckpoints removes the checkpoint files a previous run left in
// dir: they belong to streams that no longer exist.
func discardCheckpoints(dir string, progress io.Writer) error {
	for _, function := range []string{"ingest", "export"} {
		path := checkpointFile(dir, function)
		err := os.Remove(path)
		switch {
		case err == nil:
			fmt.Fprintf(progress, "removed %s: it holds a previous run's positions in streams that moto no longer has\n", path)
		case !errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("remove the previous run's checkpoints: %w (delete %s, or use another --dir)", err, path)
		}
	}
	return nil
}

func (p *Pipeline) mapping(streamARN, function string, inv esm.Invoker) (*esm.Mapping, error) {
	ckpt, err := esm.OpenFileCheckpoints(checkpointFile(p.cfg.Dir, function))
	if err != nil {
		return nil, err
	}
	return esm.New(p.AWS.Kinesis, streamARN, inv, esm.Options{
		FunctionName:               "otlpfwd-" + function,
		BatchSize:                  p.cfg.BatchSize,
		MaximumBatchingWindow:      p.cfg.BatchingWindow,
		ParallelizationFactor:      p.cfg.Parallelization,
		BisectBatchOnFunctionError: true,
		MaximumRetryAttempts:       aws.Int(p.cfg.MaxRetryAttempts),
		ReportBatchItemFailures:    true,
		OnFailure:                  esm.NewSQSDestination(p.AWS.SQS, p.Stack.FailureQueueURL),
		Checkpoints:                ckpt,
		Logger:                     slog.New(slog.NewJSONHandler(p.output("esm-"+function), &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
}

// WaitIdle waits until both mappings have caught up with what is in their
// streams now: everything put before the call has been handled.
func (p *Pipeline) WaitIdle(ctx context.Context) error {
	if err := p.Ingest.WaitIdle(ctx); err != nil {
		return err
	}
	return p.Export.WaitIdle(ctx)
}

// Err returns a mapping's failure, if one stopped.
func (p *Pipeline) Err() error {
	select {
	case err := <-p.errs:
		return err
	default:
		return nil
	}
}

// Stop stops everything Start started, by process, and waits for it.
func (p *Pipeline) Stop() error {
	p.stopMu.Lock()
	defer p.stopMu.Unlock()
	if p.done {
		return nil
	}
	p.done = true
	if p.cancel != nil {
		p.cancel()
		p.mappings.Wait()
	}
	var errs []error
	for _, r := range p.rie {
		errs = append(errs, r.Stop())
	}
	p.cancelTails()
	p.wg.Wait()
	if p.Collector != nil {
		errs = append(errs, p.Collector.Stop())
	}
	if p.Moto != nil {
		errs = append(errs, p.Moto.Stop())
	}
	return errors.Join(errs...)
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// subdir creates and returns dir/name (a failure shows when it is used).
func subdir(dir, name string) string {
	d := filepath.Join(dir, name)
	_ = os.MkdirAll(d, 0o755)
	return d
}

func mustGetwd() string {
	d, err := os.Getwd()
	if err != nil {
		return "."
	}
	return d
}

// Dir is the pipeline's work directory (logs, bootstraps, checkpoints).
func (p *Pipeline) Dir() string { return p.cfg.Dir }
