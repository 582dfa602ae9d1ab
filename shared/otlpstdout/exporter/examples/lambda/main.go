// Command lambda is an AWS Lambda function instrumented with the
// otlp-stdout exporters: its spans, metrics and logs leave the function as
// envelope lines on stdout, which CloudWatch Logs carries to otlpfwd.
//
// The providers are built once, before lambda.Start; each invocation ends
// its span and then flushes all three providers, within the invocation's
// deadline, before it returns (Lambda may freeze the process as soon as
// the handler returns, so nothing may be left in a batch).
//
// Build for Lambda:
//
//	GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -o bootstrap ./shared/otlpstdout/exporter/examples/lambda
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otlpfwd/otlpfwd/shared/otlpstdout/exporter"
)

// flushMargin is kept between the end of the flush and the invocation's
// deadline, so that the handler still returns in time.
const flushMargin = 200 * time.Millisecond

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	h, err := newHandler(log)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.Start(h.handle)
}

type handler struct {
	log         *slog.Logger
	tp          *sdktrace.TracerProvider
	mp          *sdkmetric.MeterProvider
	lp          *sdklog.LoggerProvider
	tracer      trace.Tracer
	invocations metric.Int64Counter
	logger      otellog.Logger
	coldStart   bool
}

// newHandler builds the exporters (configured by the environment: see the
// exporter package) and the providers.
func newHandler(log *slog.Logger) (*handler, error) {
	opts := exporter.Options{Logger: log}
	spans, errS := exporter.NewSpans(opts)
	metrics, errM := exporter.NewMetrics(opts)
	logs, errL := exporter.NewLogs(opts)
	if err := errors.Join(errS, errM, errL); err != nil {
		return nil, err
	}

	fn := os.Getenv("AWS_LAMBDA_FUNCTION_NAME")
	res := resource.NewSchemaless(
		attribute.String("service.name", fn),
		attribute.String("cloud.provider", "aws"),
		attribute.String("cloud.platform", "aws_lambda"),
		attribute.String("cloud.region", os.Getenv("AWS_REGION")),
		attribute.String("faas.name", fn),
		attribute.String("faas.version", os.Getenv("AWS_LAMBDA_FUNCTION_VERSION")),
	)
	h := &handler{
		log: log,
		tp: sdktrace.NewTracerProvider(
			sdktrace.WithResource(res),
			sdktrace.WithBatcher(spans),
		),
		mp: sdkmetric.NewMeterProvider(
			sdkmetric.WithResource(res),
			// Collected by the flush at the end of each invocation; the
			// interval only matters for a process that lives long idle.
			sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metrics, sdkmetric.WithInterval(time.Minute))),
		),
		lp: sdklog.NewLoggerProvider(
			sdklog.WithResource(res),
			sdklog.WithProcessor(sdklog.NewBatchProcessor(logs)),
		),
		coldStart: true,
	}
	const scope = "github.com/otlpfwd/otlpfwd/shared/otlpstdout/exporter/examples/lambda"
	h.tracer = h.tp.Tracer(scope)
	h.logger = h.lp.Logger(scope)
	var err error
	h.invocations, err = h.mp.Meter(scope).Int64Counter("invocations", metric.WithUnit("{invocation}"))
	if err != nil {
		return nil, fmt.Errorf("counter: %w", err)
	}
	return h, nil
}

// response is what the function returns.
type response struct {
	Message string `json:"message"`
}

func (h *handler) handle(ctx context.Context, event json.RawMessage) (resp response, err error) {
	ctx, span := h.tracer.Start(ctx, "handle", trace.WithSpanKind(trace.SpanKindServer))
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		span.SetAttributes(attribute.String("faas.invocation_id", lc.AwsRequestID))
	}
	span.SetAttributes(attribute.Bool("faas.coldstart", h.coldStart))
	h.coldStart = false
	defer func() {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
		h.flush(ctx)
	}()

	resp, err = h.work(ctx, event)
	h.invocations.Add(ctx, 1, metric.WithAttributes(attribute.Bool("error", err != nil)))
	return resp, err
}

// work is the function's own logic.
func (h *handler) work(ctx context.Context, event json.RawMessage) (response, error) {
	var in struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(event, &in); err != nil {
		return response{}, fmt.Errorf("decode event: %w", err)
	}
	if in.Name == "" {
		in.Name = "world"
	}
	var rec otellog.Record
	rec.SetTimestamp(time.Now())
	rec.SetSeverity(otellog.SeverityInfo)
	rec.SetSeverityText("INFO")
	rec.SetBody(attribute.StringValue("greeted"))
	rec.AddAttributes(attribute.String("name", in.Name))
	h.logger.Emit(ctx, rec) // carries the span's trace context
	return response{Message: "hello, " + in.Name}, nil
}

// flush writes everything the providers hold before the handler returns.
// It runs after the invocation's work, so it must not inherit a cancelled
// ctx, only its deadline, less a margin.
func (h *handler) flush(ctx context.Context) {
	fctx := context.WithoutCancel(ctx)
	cancel := func() {}
	if dl, ok := ctx.Deadline(); ok {
		fctx, cancel = context.WithDeadline(fctx, dl.Add(-flushMargin))
	}
	defer cancel()
	if err := errors.Join(h.tp.ForceFlush(fctx), h.mp.ForceFlush(fctx), h.lp.ForceFlush(fctx)); err != nil {
		h.log.Warn("flush telemetry", "err", err)
	}
}
