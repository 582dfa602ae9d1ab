#!/usr/bin/env node
/*
 * otlpfwd test fixture generator.
 *
 * Produces every file under shared/testdata/{envelope,cwlogs,kinesis} and
 * shared/testdata/manifest.json with the reference Node exporter
 * (@dev7a/otlp-stdout-span-exporter) and the OpenTelemetry JS SDK + serializers.
 *
 *   cd shared/testdata/gen && npm ci && node generate.js          # (re)write the fixtures
 *   cd shared/testdata/gen && npm ci && node generate.js --check  # verify the committed files are
 *                                                                 # byte-identical to a fresh run
 *
 * Output is deterministic: fixed ids (seeded IdGenerator), explicit timestamps,
 * fixed resources (no detectors), fixed environment, and all counts in the
 * manifest are computed here from the generated data (never typed by hand).
 * See README.md in this directory for the layout and the format notes.
 */
'use strict';

// ---------------------------------------------------------------------------
// 0. A fixed environment, before any OpenTelemetry module is loaded.
// ---------------------------------------------------------------------------
for (const k of Object.keys(process.env)) {
  if (/^(OTEL_|OTLP_STDOUT_|AWS_|_X_AMZN|LAMBDA_)/.test(k)) delete process.env[k];
}
process.env.TZ = 'UTC';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const api = require('@opentelemetry/api');
const { SeverityNumber } = require('@opentelemetry/api-logs');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const {
  BasicTracerProvider,
  SimpleSpanProcessor,
  InMemorySpanExporter,
  AlwaysOnSampler,
} = require('@opentelemetry/sdk-trace-base');
const {
  MeterProvider,
  MetricReader,
  AggregationTemporality,
  AggregationType,
} = require('@opentelemetry/sdk-metrics');
const {
  LoggerProvider,
  SimpleLogRecordProcessor,
  InMemoryLogRecordExporter,
} = require('@opentelemetry/sdk-logs');
const {
  ProtobufTraceSerializer,
  JsonTraceSerializer,
  ProtobufMetricsSerializer,
  JsonMetricsSerializer,
  ProtobufLogsSerializer,
  JsonLogsSerializer,
} = require('@opentelemetry/otlp-transformer');
const { OTLPStdoutSpanExporter } = require('@dev7a/otlp-stdout-span-exporter');

// The protobufjs message types the serializers use; for self-checks only.
const otlpRoot = require(path.join(
  path.dirname(require.resolve('@opentelemetry/otlp-transformer')),
  'generated', 'root.js'));

// Any SDK warning (dropped attribute, invalid value, ...) is a generator bug.
api.diag.setLogger({
  error: (...a) => { throw new Error('otel diag error: ' + a.join(' ')); },
  warn: (...a) => { throw new Error('otel diag warn: ' + a.join(' ')); },
  info: () => {}, debug: () => {}, verbose: () => {},
}, api.DiagLogLevel.WARN);

const CHECK = process.argv.includes('--check');
const ROOT = path.resolve(__dirname, '..'); // shared/testdata
const PKG = (name) => JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', name, 'package.json'), 'utf8'));
const VERSIONS = Object.fromEntries([
  '@dev7a/otlp-stdout-span-exporter', '@opentelemetry/api', '@opentelemetry/api-logs',
  '@opentelemetry/core', '@opentelemetry/resources', '@opentelemetry/sdk-trace-base',
  '@opentelemetry/sdk-metrics', '@opentelemetry/sdk-logs', '@opentelemetry/otlp-transformer',
  'protobufjs',
].map((n) => [n, PKG(n).version]));
const EXPORTER_VERSION = VERSIONS['@dev7a/otlp-stdout-span-exporter'];
const OLD_VERSION = 'otlp-stdout-client@0.2.1';

// ---------------------------------------------------------------------------
// 1. Output: write (or, with --check, compare) files; remember what was written.
// ---------------------------------------------------------------------------
const written = new Map(); // rel path -> Buffer
let checkFailures = 0;
function out(rel, data) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (written.has(rel)) throw new Error('written twice: ' + rel);
  written.set(rel, buf);
  const abs = path.join(ROOT, rel);
  if (CHECK) {
    let old = null;
    try { old = fs.readFileSync(abs); } catch (_) { /* missing */ }
    if (!old || !old.equals(buf)) {
      checkFailures++;
      console.error(`DIFFERS: ${rel}` + (old ? ` (${old.length} bytes on disk, ${buf.length} generated)` : ' (missing)'));
    }
    return;
  }
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, buf);
}

// ---------------------------------------------------------------------------
// 2. Determinism helpers: time, ids.
// ---------------------------------------------------------------------------
const sha = (s) => crypto.createHash('sha256').update(s).digest();
const hex = (s, n) => sha(s).toString('hex').slice(0, n);

// 2026-11-24T10:15:30Z (the date used in the log stream names).
const BASE_MS = Date.UTC(2026, 10, 24, 10, 15, 30);
/** HrTime at BASE + ms milliseconds + ns nanoseconds (integers only, exact). */
function hr(ms, ns = 0) {
  const totalNs = BigInt(BASE_MS) * 1000000n + BigInt(ms) * 1000000n + BigInt(ns);
  return [Number(totalNs / 1000000000n), Number(totalNs % 1000000000n)];
}

/** IdGenerator whose ids are sha256(seed:kind:n): fixed, random-looking, non-zero. */
class SeededIdGenerator {
  constructor(seed) { this.seed = seed; this.n = 0; }
  generateTraceId() { return hex(`${this.seed}:trace:${this.n++}`, 32); }
  generateSpanId() { return hex(`${this.seed}:span:${this.n++}`, 16); }
}

// ---------------------------------------------------------------------------
// 3. Resources (no detectors: every attribute is written here).
// ---------------------------------------------------------------------------
const SDK_ATTRS = {
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.version': VERSIONS['@opentelemetry/core'],
};
const SERVICES = {
  'checkout-api': {
    attrs: {
      'service.name': 'checkout-api', 'service.version': '1.8.2',
      'deployment.environment.name': 'test', 'cloud.provider': 'aws', 'cloud.platform': 'aws_lambda',
      'cloud.region': 'us-east-1', 'cloud.account.id': '123456789012',
      'faas.name': 'checkout-api', 'faas.version': '$LATEST', 'faas.max_memory': 536870912,
      ...SDK_ATTRS,
    },
    schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
  },
  'inventory-worker': {
    attrs: {
      'service.name': 'inventory-worker', 'service.namespace': 'shop', 'service.version': '0.3.0',
      'cloud.provider': 'aws', 'cloud.platform': 'aws_lambda', 'cloud.region': 'eu-west-1',
      'faas.name': 'inventory-worker', 'faas.version': '7',
      ...SDK_ATTRS,
    },
  },
  'billing-py': {
    attrs: {
      'service.name': 'billing-py', 'cloud.provider': 'aws', 'cloud.region': 'us-west-2',
      'faas.name': 'billing-py', 'host.arch': 'arm64', ...SDK_ATTRS,
    },
  },
  'bulk-loader': {
    attrs: {
      'service.name': 'bulk-loader', 'cloud.provider': 'aws', 'cloud.region': 'us-east-1',
      'faas.name': 'bulk-loader', ...SDK_ATTRS,
    },
  },
};
function resourceFor(service) {
  const s = SERVICES[service];
  if (!s) throw new Error('unknown service ' + service);
  return resourceFromAttributes({ ...s.attrs }, s.schemaUrl ? { schemaUrl: s.schemaUrl } : undefined);
}

const SCOPE_HTTP = ['otlpfwd.fixtures.http', '1.4.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' }];
const SCOPE_MSG = ['otlpfwd.fixtures.messaging', '0.9.2'];

// ---------------------------------------------------------------------------
// 4. Traces: a varied batch of spans (real SDK spans, real ReadableSpans).
// ---------------------------------------------------------------------------
async function makeSpans({ seed, service, tag, t0 = 0, bulk = 0, bulkBlobChars = 0 }) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFor(service),
    idGenerator: new SeededIdGenerator(seed),
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const http = provider.getTracer(...SCOPE_HTTP);
  const msg = provider.getTracer(...SCOPE_MSG);
  const { SpanKind, SpanStatusCode, ROOT_CONTEXT, trace, createTraceState } = api;
  const id = (n) => `${tag}-s${String(n).padStart(2, '0')}`;

  // An incoming request with a remote parent (traceparent + tracestate).
  const remoteParent = {
    traceId: hex(`${seed}:remote-trace`, 32),
    spanId: hex(`${seed}:remote-span`, 16),
    traceFlags: api.TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'),
  };
  const s1 = http.startSpan('GET /orders/{id}', {
    kind: SpanKind.SERVER,
    startTime: hr(t0, 123456),
    attributes: {
      'test.id': id(1),
      'http.request.method': 'GET',
      'http.route': '/orders/{id}',
      'url.full': 'https://api.example.com/orders/42?expand=items',
      'server.port': 443,
      'http.response.status_code': 200,
      'faas.trigger': 'http',
      'attr.bool': true,
      'attr.double': 0.25,
      'attr.double.whole': 2.0, // a JS number: the serializer writes it as intValue 2
      'attr.int.negative': -42,
      'attr.int.max_safe': 9007199254740991,
      'attr.string.empty': '',
      'attr.string.unicode': 'h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c "quoted" \\ back\nslash',
      'attr.strings': ['a', 'b', 'c'],
      'attr.bools': [true, false, true],
      'attr.ints': [1, 2, 3, -4],
      'attr.doubles': [1.5, -2.25, 1e-9],
    },
  }, trace.setSpanContext(ROOT_CONTEXT, remoteParent));
  s1.addEvent('request.received', { 'net.bytes': 512, 'attr.event.note': 'first byte' }, hr(t0 + 1));
  s1.addEvent('cache.miss', hr(t0 + 2, 500));
  const c1 = trace.setSpan(ROOT_CONTEXT, s1);

  const s2 = http.startSpan('load-order', {
    kind: SpanKind.INTERNAL, startTime: hr(t0 + 5), attributes: { 'test.id': id(2), 'order.id': 42 },
  }, c1);
  const c2 = trace.setSpan(ROOT_CONTEXT, s2);

  const s3 = http.startSpan('SELECT orders', {
    kind: SpanKind.CLIENT,
    startTime: hr(t0 + 6),
    attributes: {
      'test.id': id(3), 'db.system.name': 'postgresql', 'db.namespace': 'shop',
      'db.query.text': 'SELECT * FROM orders WHERE id = $1', 'server.address': 'db.internal',
    },
  }, c2);
  s3.recordException({
    name: 'DatabaseError', message: 'connection reset by peer',
    stack: 'DatabaseError: connection reset by peer\n    at query (db.js:42:7)',
  }, hr(t0 + 30));
  s3.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset by peer' });
  s3.end(hr(t0 + 31, 7));

  const s6 = http.startSpan('GET inventory', {
    kind: SpanKind.CLIENT, startTime: hr(t0 + 32),
    attributes: { 'test.id': id(6), 'http.request.method': 'GET', 'http.response.status_code': 404 },
  }, c2);
  s6.addEvent('retry', { 'retry.attempts': [1, 2], 'retry.delays': [0.1, 0.2] }, hr(t0 + 40));
  s6.end(hr(t0 + 55));
  s2.setStatus({ code: SpanStatusCode.OK });
  s2.end(hr(t0 + 60));

  // Producer in the first trace, linked to an external (remote) span.
  const s4 = msg.startSpan('orders publish', {
    kind: SpanKind.PRODUCER,
    startTime: hr(t0 + 61),
    attributes: { 'test.id': id(4), 'messaging.system': 'aws_sqs', 'messaging.destination.name': 'orders' },
    links: [{
      context: {
        traceId: hex(`${seed}:linked-trace`, 32), spanId: hex(`${seed}:linked-span`, 16),
        traceFlags: api.TraceFlags.SAMPLED, isRemote: true,
      },
      attributes: { 'link.reason': 'batch', 'link.index': 0 },
    }],
  }, c1);
  s4.end(hr(t0 + 70));
  s1.setAttribute('http.response.body.size', 1024);
  s1.end(hr(t0 + 120, 999999));

  // Consumer: a new trace (root span) linked back to the producer.
  const s5 = msg.startSpan('orders process', {
    kind: SpanKind.CONSUMER,
    root: true,
    startTime: hr(t0 + 200),
    attributes: { 'test.id': id(5), 'messaging.system': 'aws_sqs', 'messaging.batch.message_count': 1 },
    links: [{ context: s4.spanContext(), attributes: { 'link.reason': 'follows-from' } }],
  });
  s5.addEvent('message.acked', hr(t0 + 250));
  s5.end(hr(t0 + 260));

  // Optional bulk spans (used for the ~1 MB fixture): pseudo-random blobs
  // that gzip cannot shrink much, so the envelope is large but the files stay
  // close to 1 MB.
  for (let i = 0; i < bulk; i++) {
    let blob = '';
    for (let k = 0; blob.length < bulkBlobChars; k++) blob += sha(`${seed}:blob:${i}:${k}`).toString('base64');
    const b = msg.startSpan(`bulk item ${i}`, {
      kind: SpanKind.INTERNAL, startTime: hr(t0 + 300 + i),
      attributes: { 'test.id': `${tag}-bulk-${String(i).padStart(5, '0')}`, 'bulk.index': i, 'bulk.blob': blob.slice(0, bulkBlobChars) },
    }, trace.setSpan(ROOT_CONTEXT, s5));
    b.end(hr(t0 + 300 + i, 500000));
  }

  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

/** Run the REAL reference exporter on the spans, with the given environment; return its line. */
async function referenceExport(spans, env) {
  const saved = {};
  const keys = ['OTEL_SERVICE_NAME', 'AWS_LAMBDA_FUNCTION_NAME', 'OTEL_EXPORTER_OTLP_HEADERS',
    'OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTLP_STDOUT_SPAN_EXPORTER_COMPRESSION_LEVEL',
    'OTLP_STDOUT_SPAN_EXPORTER_LOG_LEVEL', 'OTLP_STDOUT_SPAN_EXPORTER_OUTPUT_TYPE'];
  for (const k of keys) { saved[k] = process.env[k]; delete process.env[k]; }
  Object.assign(process.env, env);
  try {
    const exporter = new OTLPStdoutSpanExporter();
    const lines = [];
    // The exporter writes through its `output` (stdout by default); capture the exact line.
    exporter.output = { writeLine: (line, cb) => { lines.push(line); cb(); } };
    const result = await new Promise((resolve) => exporter.export(spans, resolve));
    if (result.code !== 0 || lines.length !== 1) throw new Error('reference exporter failed: ' + JSON.stringify(result));
    return lines[0];
  } finally {
    for (const k of keys) { if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k]; }
  }
}

// ---------------------------------------------------------------------------
// 5. Metrics: gauge, sums (mono/non-mono, int/double), histogram, exp. histogram.
// ---------------------------------------------------------------------------
class CollectingReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

async function makeMetrics({ service, tag, t0 = 0, delta = false }) {
  const reader = new CollectingReader(delta ? {
    aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
  } : undefined);
  const provider = new MeterProvider({
    resource: resourceFor(service),
    readers: [reader],
    views: [{ instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 20 } } }],
  });
  const http = provider.getMeter(...SCOPE_HTTP);
  const rt = provider.getMeter('otlpfwd.fixtures.runtime', '2.0.1');
  const id = (n) => `${tag}-m${String(n).padStart(2, '0')}`;

  const orders = http.createCounter('orders.processed', { description: 'Orders processed', unit: '{order}', valueType: api.ValueType.INT });
  orders.add(3, { 'test.id': id(1), 'order.status': 'ok' });
  orders.add(1, { 'test.id': id(2), 'order.status': 'error' });
  orders.add(2, { 'test.id': id(1), 'order.status': 'ok' });

  const depth = http.createUpDownCounter('queue.depth', { description: 'Messages waiting', unit: '{message}', valueType: api.ValueType.DOUBLE });
  depth.add(5.5, { 'test.id': id(3), 'queue.name': 'orders' });
  depth.add(-2, { 'test.id': id(3), 'queue.name': 'orders' });

  const dur = http.createHistogram('http.server.request.duration', {
    description: 'Duration of HTTP server requests', unit: 's',
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] },
  });
  for (const v of [0.003, 0.02, 0.2, 0.7, 3.1]) dur.record(v, { 'test.id': id(4), 'http.route': '/orders/{id}' });
  for (const v of [0.011, 0.012]) dur.record(v, { 'test.id': id(5), 'http.route': '/health' });

  const mem = rt.createGauge('process.memory.usage', { description: 'Memory in use', unit: 'By', valueType: api.ValueType.INT });
  mem.record(67108864, { 'test.id': id(6) });

  const temp = rt.createObservableGauge('cpu.temperature', { unit: 'Cel', valueType: api.ValueType.DOUBLE });
  temp.addCallback((r) => r.observe(47.25, { 'test.id': id(7), 'cpu.id': 0 }));

  const size = rt.createHistogram('payload.size', { description: 'Payload sizes', unit: 'By' });
  for (const v of [100, 2000, 35000, 35001, 512]) size.record(v, { 'test.id': id(8) });

  const cold = rt.createObservableCounter('faas.coldstarts', { unit: '{coldstart}', valueType: api.ValueType.INT });
  cold.addCallback((r) => r.observe(1, { 'test.id': id(9), 'faas.trigger': 'http' }));

  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length) throw new Error('metric collection errors: ' + errors);
  // The SDK stamps data points with the wall clock: pin them (the only post-processing).
  for (const sm of resourceMetrics.scopeMetrics) {
    for (const m of sm.metrics) {
      for (const dp of m.dataPoints) { dp.startTime = hr(t0); dp.endTime = hr(t0 + 60000, 1); }
    }
  }
  await provider.shutdown();
  return resourceMetrics;
}

// ---------------------------------------------------------------------------
// 6. Logs: severities, body kinds (string, map, bytes, int), trace context, event name.
// ---------------------------------------------------------------------------
async function makeLogs({ service, tag, seed, t0 = 0 }) {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFor(service),
    processors: [new SimpleLogRecordProcessor(exporter)],
  });
  const app = provider.getLogger(...SCOPE_HTTP);
  const audit = provider.getLogger('otlpfwd.fixtures.audit', '0.1.0');
  const id = (n) => `${tag}-l${String(n).padStart(2, '0')}`;
  const spanCtx = api.trace.setSpanContext(api.ROOT_CONTEXT, {
    traceId: hex(`${seed}:log-trace`, 32), spanId: hex(`${seed}:log-span`, 16),
    traceFlags: api.TraceFlags.SAMPLED,
  });

  app.emit({
    timestamp: hr(t0, 1), observedTimestamp: hr(t0, 2000), context: spanCtx,
    severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'order 42 accepted',
    attributes: { 'test.id': id(1), 'order.id': 42, 'attr.double': 0.5, 'attr.bool': false },
  });
  app.emit({
    timestamp: hr(t0 + 10), observedTimestamp: hr(t0 + 11), context: spanCtx,
    severityNumber: SeverityNumber.ERROR, severityText: 'ERROR',
    body: { error: { code: 'E42', retryable: false }, items: [1, 'two', 3.5], note: 'map body' },
    attributes: { 'test.id': id(2), 'exception.type': 'DatabaseError', 'exception.message': 'connection reset by peer' },
  });
  app.emit({
    timestamp: hr(t0 + 20), observedTimestamp: hr(t0 + 21), context: api.ROOT_CONTEXT,
    severityNumber: SeverityNumber.WARN, severityText: 'WARN',
    body: new Uint8Array([0, 1, 2, 253, 254, 255]),
    attributes: { 'test.id': id(3), 'attr.map': { nested: { deeper: 'yes' }, n: 1 }, 'attr.bytes': new Uint8Array([222, 173, 190, 239]) },
  });
  audit.emit({
    timestamp: hr(t0 + 30), observedTimestamp: hr(t0 + 31), context: api.ROOT_CONTEXT,
    eventName: 'order.audit', severityNumber: SeverityNumber.DEBUG, severityText: 'DEBUG',
    body: 'audit trail',
    attributes: { 'test.id': id(4), 'audit.fields': ['status', 'total'], 'audit.versions': [1, 2] },
  });
  audit.emit({
    timestamp: hr(t0 + 40), observedTimestamp: hr(t0 + 41), context: api.ROOT_CONTEXT,
    body: 7, attributes: { 'test.id': id(5) }, // no severity at all (UNSPECIFIED)
  });
  await provider.forceFlush();
  const records = exporter.getFinishedLogRecords();
  await provider.shutdown();
  return records;
}

// ---------------------------------------------------------------------------
// 7. Envelopes.
// ---------------------------------------------------------------------------
const ENDPOINT = (signal) => `http://localhost:4318/v1/${signal}`;
const SERIALIZERS = {
  traces: { pb: ProtobufTraceSerializer, json: JsonTraceSerializer, req: 'ExportTraceServiceRequest', ns: 'trace' },
  metrics: { pb: ProtobufMetricsSerializer, json: JsonMetricsSerializer, req: 'ExportMetricsServiceRequest', ns: 'metrics' },
  logs: { pb: ProtobufLogsSerializer, json: JsonLogsSerializer, req: 'ExportLogsServiceRequest', ns: 'logs' },
};
const pbOf = (signal, data) => Buffer.from(SERIALIZERS[signal].pb.serializeRequest(data));
const jsonOf = (signal, data) => Buffer.from(SERIALIZERS[signal].json.serializeRequest(data)).toString('utf8');

/**
 * Same object, same key order as the 0.17.3 exporter (see its dist/otlp_stdout_span_exporter.js),
 * for signals the span exporter cannot write (metrics, logs).
 */
function currentEnvelope({ source, signal, pb, gzipLevel = 6, headers, level }) {
  const o = {
    __otel_otlp_stdout: EXPORTER_VERSION,
    source,
    endpoint: ENDPOINT(signal),
    method: 'POST',
    'content-type': 'application/x-protobuf',
    'content-encoding': 'gzip',
    payload: zlib.gzipSync(pb, { level: gzipLevel }).toString('base64'),
    base64: true,
  };
  if (headers && Object.keys(headers).length) o.headers = headers;
  if (level !== undefined) o.level = level;
  return JSON.stringify(o);
}

/**
 * The older shape written by the Rust otlp-stdout-client 0.2.1 (serde struct field order:
 * __otel_otlp_stdout, source, endpoint, method, payload, headers, content-type,
 * content-encoding (only when gzip), base64). `mode` selects the payload form.
 */
function oldEnvelope({ source, signal, json, pb, mode }) {
  let payload; let contentType = 'application/json'; let encoding; let base64;
  switch (mode) {
    case 'json-object': payload = JSON.parse(json); base64 = false; break; // client default (http/json)
    case 'json-string': payload = json; base64 = false; break; // payload as a JSON-encoded string
    case 'json-base64': payload = Buffer.from(json).toString('base64'); base64 = true; break;
    case 'json-gzip-base64': // OTEL_EXPORTER_OTLP_COMPRESSION=gzip (flate2 default level = 6)
      payload = zlib.gzipSync(Buffer.from(json), { level: 6 }).toString('base64'); encoding = 'gzip'; base64 = true; break;
    case 'protobuf-base64': // OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, no compression
      payload = pb.toString('base64'); contentType = 'application/x-protobuf'; base64 = true; break;
    default: throw new Error('mode ' + mode);
  }
  const o = {
    __otel_otlp_stdout: OLD_VERSION,
    source,
    endpoint: ENDPOINT(signal),
    method: 'POST',
    payload,
    headers: { 'content-type': contentType },
    'content-type': contentType,
  };
  if (encoding) o['content-encoding'] = encoding;
  o.base64 = base64;
  return JSON.stringify(o);
}

// ---------------------------------------------------------------------------
// 8. Ground truth: counts and test.id tags, read back from the protobuf bytes.
// ---------------------------------------------------------------------------
function decodePb(signal, pb) {
  const T = otlpRoot.opentelemetry.proto.collector[SERIALIZERS[signal].ns].v1[SERIALIZERS[signal].req];
  return T.toObject(T.decode(pb), { longs: String, bytes: String, defaults: false });
}
function testIdsOf(attrs) {
  return (attrs || []).filter((kv) => kv.key === 'test.id').map((kv) => kv.value.stringValue);
}
/** Counts computed by decoding the protobuf ground truth (the same bytes Go tests compare to). */
function summarize(signal, pb) {
  const req = decodePb(signal, pb);
  const s = { signal, resources: 0, spans: 0, metric_data_points: 0, log_records: 0, test_ids: [], services: [] };
  const take = (r) => {
    s.resources++;
    const sn = (r.resource.attributes || []).find((kv) => kv.key === 'service.name');
    if (sn && !s.services.includes(sn.value.stringValue)) s.services.push(sn.value.stringValue);
  };
  if (signal === 'traces') {
    for (const rs of req.resourceSpans) {
      take(rs);
      for (const ss of rs.scopeSpans) for (const sp of ss.spans) { s.spans++; s.test_ids.push(...testIdsOf(sp.attributes)); }
    }
  } else if (signal === 'metrics') {
    for (const rm of req.resourceMetrics) {
      take(rm);
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          const body = m.gauge || m.sum || m.histogram || m.exponentialHistogram || m.summary;
          for (const dp of body.dataPoints) { s.metric_data_points++; s.test_ids.push(...testIdsOf(dp.attributes)); }
        }
      }
    }
  } else {
    for (const rl of req.resourceLogs) {
      take(rl);
      for (const sl of rl.scopeLogs) for (const lr of sl.logRecords) { s.log_records++; s.test_ids.push(...testIdsOf(lr.attributes)); }
    }
  }
  s.test_ids = [...new Set(s.test_ids)].sort();
  return s;
}

/** Undo an envelope down to protobuf bytes (self-check of what we wrote, independent of the Go code). */
function envelopeToPb(line, signal) {
  let o = JSON.parse(line);
  if (!('__otel_otlp_stdout' in o)) { // Lambda JSON log format wrapper
    o = typeof o.message === 'string' ? JSON.parse(o.message) : o.message;
  }
  if (!o.endpoint.endsWith('/v1/' + signal)) throw new Error('endpoint/signal mismatch');
  let body = typeof o.payload === 'string' ? o.payload : JSON.stringify(o.payload);
  let bytes = o.base64 === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (o['content-encoding'] === 'gzip') bytes = zlib.gunzipSync(bytes);
  if (o['content-type'] === 'application/x-protobuf') return bytes;
  // OTLP/JSON as the JS serializer writes it -> protobufjs message -> bytes (hex ids to bytes first).
  const T = otlpRoot.opentelemetry.proto.collector[SERIALIZERS[signal].ns].v1[SERIALIZERS[signal].req];
  const j = JSON.parse(bytes.toString('utf8'));
  const fixIds = (x) => {
    if (Array.isArray(x)) return x.forEach(fixIds);
    if (x && typeof x === 'object') {
      for (const k of Object.keys(x)) {
        if ((k === 'traceId' || k === 'spanId' || k === 'parentSpanId') && typeof x[k] === 'string') x[k] = Buffer.from(x[k], 'hex');
        else fixIds(x[k]);
      }
    }
  };
  fixIds(j);
  return Buffer.from(T.encode(T.fromObject(j)).finish());
}
function assertRoundTrip(line, signal, pb, what) {
  const got = envelopeToPb(line, signal);
  const a = decodePb(signal, got); const b = decodePb(signal, pb);
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`self-check failed for ${what}: decoded payload != expected.pb`);
  return got;
}

/** JSON.stringify(v, null, 2), except that arrays of scalars stay on one line. */
function stringifyCompact(v, indent = '') {
  if (Array.isArray(v)) {
    if (v.every((x) => x === null || typeof x !== 'object')) return JSON.stringify(v);
    const inner = indent + '  ';
    return '[\n' + v.map((x) => inner + stringifyCompact(x, inner)).join(',\n') + '\n' + indent + ']';
  }
  if (v && typeof v === 'object') {
    const inner = indent + '  ';
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    if (!keys.length) return '{}';
    return '{\n' + keys.map((k) => inner + JSON.stringify(k) + ': ' + stringifyCompact(v[k], inner)).join(',\n') + '\n' + indent + '}';
  }
  return JSON.stringify(v);
}

// ---------------------------------------------------------------------------
// 9. Fixture bookkeeping.
// ---------------------------------------------------------------------------
const manifest = {
  about: 'Expected contents of shared/testdata. Generated by gen/generate.js; do not edit by hand. Paths are relative to shared/testdata.',
  generator: { command: 'cd shared/testdata/gen && npm ci && node generate.js', packages: VERSIONS },
  conventions: {
    expected_pb: 'raw (uncompressed) protobuf Export{Trace,Metrics,Logs}ServiceRequest produced by the JS Protobuf*Serializer from the same SDK data; proto.Unmarshal + proto.Equal against the decoder output',
    test_ids: 'every span (attribute test.id on the span), metric data point (attribute test.id on the point) and log record (attribute test.id on the record) carries a tag unique within its envelope',
    counts: 'computed by decoding the expected protobuf; "noise" = log events that are not envelopes',
  },
  files: {},
};

function totals(items) {
  const t = { spans: 0, metric_data_points: 0, log_records: 0, test_ids: [], signals: [], services: [] };
  for (const it of items) {
    t.spans += it.spans; t.metric_data_points += it.metric_data_points; t.log_records += it.log_records;
    t.test_ids.push(...it.test_ids);
    if (!t.signals.includes(it.signal)) t.signals.push(it.signal);
    for (const s of it.services) if (!t.services.includes(s)) t.services.push(s);
  }
  t.test_ids.sort();
  if (new Set(t.test_ids).size !== t.test_ids.length) throw new Error('duplicate test ids in one fixture');
  t.signals.sort(); t.services.sort();
  return t;
}

/**
 * An "envelope" fixture: a .jsonl file of one or more lines, each with its expected .pb.
 * lines: [{ line, signal, pb, shape, notes }]
 */
function envelopeFixture(name, lines, description) {
  const rel = `envelope/${name}.jsonl`;
  const details = lines.map((l, i) => {
    assertRoundTrip(l.line, l.signal, l.pb, `${rel} line ${i + 1}`);
    const expected = lines.length === 1 ? `envelope/${name}.expected.pb` : `envelope/${name}.${i + 1}.expected.pb`;
    out(expected, l.pb);
    const o = JSON.parse(l.line);
    return {
      line: i + 1, shape: l.shape, wrapped: !!l.wrapped, expected,
      envelope_version: l.wrapped ? undefined : o.__otel_otlp_stdout,
      source: l.wrapped ? undefined : o.source,
      ...summarize(l.signal, l.pb),
      ...(l.gzipLevel !== undefined ? { gzip_level: l.gzipLevel } : {}),
    };
  });
  out(rel, lines.map((l) => l.line + '\n').join(''));
  const t = totals(details);
  manifest.files[rel] = {
    kind: 'envelope', description, lines: lines.length, envelope_lines: lines.length, noise_lines: 0,
    signals: t.signals, services: t.services, spans: t.spans, metric_data_points: t.metric_data_points,
    log_records: t.log_records, test_ids: t.test_ids, damaged: [], details,
  };
}

// CloudWatch Logs subscription payloads -----------------------------------
const OWNER = '123456789012';
const REGION = 'us-east-1';
const requestId = (seed) => {
  const h = hex(`${seed}:request`, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const logStream = (seed) => `2026/11/24/[$LATEST]${hex(`${seed}:stream`, 32)}`;
/** 56-digit event id, increasing with the timestamp like CloudWatch's. */
function eventId(tsMs, seq, seed) {
  const low = BigInt('0x' + hex(`${seed}:eid:${seq}`, 12)) % 10n ** 20n;
  const id = BigInt(tsMs) * 10n ** 43n + BigInt(seq) * 10n ** 21n + low;
  const s = id.toString();
  if (s.length !== 56) throw new Error('event id length ' + s.length);
  return s;
}

/**
 * events: [{ message, kind: 'envelope'|'noise', noise?: 'platform-start'|..., signal?, pb?, shape?, damaged? }]
 */
function buildCwPayload({ seed, logGroup, tsStartMs, events, numericIds = false }) {
  const logEvents = events.map((e, i) => ({ id: eventId(tsStartMs + i * 7, i, seed), timestamp: tsStartMs + i * 7, message: e.message }));
  const obj = {
    messageType: 'DATA_MESSAGE', owner: OWNER, logGroup, logStream: logStream(seed),
    subscriptionFilters: ['otlpfwd-raw'], logEvents,
  };
  let text = JSON.stringify(obj);
  if (numericIds) {
    let n = 0;
    text = text.replace(/"id":"(\d{56})"/g, (_, d) => { n++; return `"id":${d}`; });
    if (n !== logEvents.length) throw new Error('numeric id rewrite');
  }
  return { obj, text };
}

function cwFixture(name, { seed, logGroup, tsStartMs, events, numericIds = false, gzip = true, description, expectedFrom, damageWhole }) {
  const rel = `cwlogs/${name}${gzip ? '.json.gz' : '.json'}`;
  const { obj, text } = buildCwPayload({ seed, logGroup, tsStartMs, events, numericIds });
  let bytes = gzip ? zlib.gzipSync(Buffer.from(text), { level: 6 }) : Buffer.from(text);
  const damaged = [];
  if (damageWhole) {
    bytes = damageWhole.fn(bytes);
    damaged.push({ scope: 'payload', reason: damageWhole.reason });
  }
  out(rel, bytes);
  const details = []; const counted = [];
  const noise = {};
  events.forEach((e, i) => {
    const ev = { index: i, id: obj.logEvents[i].id, timestamp: obj.logEvents[i].timestamp, kind: e.kind };
    if (e.kind === 'noise') {
      ev.noise = e.noise; noise[e.noise] = (noise[e.noise] || 0) + 1;
    } else {
      ev.shape = e.shape; ev.signal = e.signal;
      if (e.damaged) {
        ev.damaged = e.damaged; damaged.push({ scope: 'log_event', index: i, reason: e.damaged });
      } else if (damageWhole) {
        ev.unreachable = 'the payload as a whole is damaged';
      } else {
        const expected = expectedFrom ? expectedFrom[i] : `cwlogs/${name}.e${i}.expected.pb`;
        if (!expectedFrom) out(expected, e.pb);
        assertRoundTrip(e.message.replace(/\n$/, ''), e.signal, e.pb, `${rel} event ${i}`);
        Object.assign(ev, { expected }, summarize(e.signal, e.pb));
        counted.push(ev);
      }
    }
    details.push(ev);
  });
  const t = totals(counted);
  const envelopeEvents = events.filter((e) => e.kind === 'envelope').length;
  const dw = !!damageWhole; // a payload that cannot be decoded at all shows no events
  manifest.files[rel] = {
    kind: 'cwlogs', description, gzip, message_type: obj.messageType, owner: obj.owner, log_group: logGroup,
    log_stream: obj.logStream, numeric_event_ids: numericIds, log_events: dw ? 0 : events.length,
    envelope_lines: dw ? 0 : envelopeEvents, valid_envelope_lines: counted.length,
    noise_lines: dw ? 0 : events.length - envelopeEvents, control_events: 0,
    original_log_events_before_damage: dw ? events.length : undefined,
    noise_by_kind: dw ? {} : noise, signals: t.signals, services: t.services, spans: t.spans,
    metric_data_points: t.metric_data_points, log_records: t.log_records, test_ids: t.test_ids,
    damaged, decodable: !damageWhole, details: damageWhole ? undefined : details,
  };
  return { rel, bytes, expectedByIndex: Object.fromEntries(details.filter((d) => d.expected).map((d) => [d.index, d.expected])) };
}

// ---------------------------------------------------------------------------
// 10. The fixtures.
// ---------------------------------------------------------------------------
async function main() {
  const trSpans = (seed, service, tag, t0 = 0, extra = {}) => makeSpans({ seed, service, tag, t0, ...extra });

  // -- envelope/: reference exporter at every gzip level -------------------
  for (let level = 0; level <= 9; level++) {
    const name = `v0.17.3-gzip${level}`;
    const spans = await trSpans(name, 'checkout-api', `gzip${level}`, level * 1000);
    const line = await referenceExport(spans, { OTEL_SERVICE_NAME: 'checkout-api', OTLP_STDOUT_SPAN_EXPORTER_COMPRESSION_LEVEL: String(level) });
    envelopeFixture(name, [{ line, signal: 'traces', pb: pbOf('traces', spans), shape: 'current-protobuf-gzip', gzipLevel: level }],
      `reference exporter ${EXPORTER_VERSION}, OTLP_STDOUT_SPAN_EXPORTER_COMPRESSION_LEVEL=${level}`);
  }

  // -- headers + level -------------------------------------------------------
  {
    const spans = await trSpans('headers-level', 'checkout-api', 'hdr', 20000);
    const line = await referenceExport(spans, {
      OTEL_SERVICE_NAME: 'checkout-api',
      // content-type is filtered out by the exporter; "a=b" shows values may contain '='.
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme, authorization=Bearer not-a-real-token,content-type=text/plain',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=acme-traces,x-extra=a=b',
      OTLP_STDOUT_SPAN_EXPORTER_LOG_LEVEL: 'debug',
    });
    envelopeFixture('v0.17.3-headers-level', [{ line, signal: 'traces', pb: pbOf('traces', spans), shape: 'current-protobuf-gzip' }],
      'reference exporter with OTEL_EXPORTER_OTLP_HEADERS + OTEL_EXPORTER_OTLP_TRACES_HEADERS (merged, traces win) and OTLP_STDOUT_SPAN_EXPORTER_LOG_LEVEL=debug');
  }

  // -- several services, one line each -------------------------------------
  {
    const a = await trSpans('multi-1', 'checkout-api', 'multi1', 30000);
    const b = await trSpans('multi-2', 'inventory-worker', 'multi2', 31000);
    const c = await trSpans('multi-3', 'billing-py', 'multi3', 32000);
    envelopeFixture('v0.17.3-multi-service', [
      { line: await referenceExport(a, { OTEL_SERVICE_NAME: 'checkout-api' }), signal: 'traces', pb: pbOf('traces', a), shape: 'current-protobuf-gzip' },
      { line: await referenceExport(b, { OTEL_SERVICE_NAME: 'inventory-worker', OTLP_STDOUT_SPAN_EXPORTER_COMPRESSION_LEVEL: '9' }), signal: 'traces', pb: pbOf('traces', b), shape: 'current-protobuf-gzip' },
      // source from AWS_LAMBDA_FUNCTION_NAME (no OTEL_SERVICE_NAME)
      { line: await referenceExport(c, { AWS_LAMBDA_FUNCTION_NAME: 'billing-py' }), signal: 'traces', pb: pbOf('traces', c), shape: 'current-protobuf-gzip' },
    ], 'three lines from three services (resources); line 3 takes source from AWS_LAMBDA_FUNCTION_NAME');
  }

  // -- the older otlp-stdout-client@0.2.1 shapes (traces) -------------------
  const oldModes = [
    ['old-json-object', 'json-object', 'payload is the OTLP/JSON object itself, base64:false (client default, http/json)'],
    ['old-json-string', 'json-string', 'payload is the OTLP/JSON text as a JSON string, base64:false'],
    ['old-json-base64', 'json-base64', 'payload is base64 of the OTLP/JSON text, base64:true, no content-encoding'],
    ['old-json-gzip-base64', 'json-gzip-base64', 'payload is base64 of gzip of the OTLP/JSON text, content-encoding gzip, base64:true'],
    ['old-protobuf-base64', 'protobuf-base64', 'application/x-protobuf, payload is base64 of the protobuf, no gzip, base64:true'],
  ];
  let k = 0;
  for (const [name, mode, desc] of oldModes) {
    // old-json-object uses checkout-api, whose resource has a schema URL: the JS JSON serializer then
    // writes a "schemaUrl" key inside "resource", which is not a field of Resource (see README).
    const svc = mode === 'json-object' ? 'checkout-api' : 'inventory-worker';
    const spans = await trSpans(name, svc, name.replace(/^old-/, 'old'), 40000 + 1000 * k++);
    const pb = pbOf('traces', spans);
    const line = oldEnvelope({ source: svc, signal: 'traces', json: jsonOf('traces', spans), pb, mode });
    envelopeFixture(name, [{ line, signal: 'traces', pb, shape: `old-${mode}` }], `${OLD_VERSION} shape: ${desc}`);
  }

  // -- metrics ---------------------------------------------------------------
  {
    const rm = await makeMetrics({ service: 'checkout-api', tag: 'metpb', t0: 50000 });
    const pb = pbOf('metrics', rm);
    envelopeFixture('metrics-protobuf-gzip', [{ line: currentEnvelope({ source: 'checkout-api', signal: 'metrics', pb }), signal: 'metrics', pb, shape: 'current-protobuf-gzip' }],
      `metrics in the ${EXPORTER_VERSION} envelope shape (built by hand, endpoint /v1/metrics): sum (int monotonic, double non-monotonic, observable), gauge (sync int, observable double), histogram, exponential histogram; cumulative`);
    const rm2 = await makeMetrics({ service: 'checkout-api', tag: 'metjson', t0: 51000, delta: true });
    const pb2 = pbOf('metrics', rm2);
    envelopeFixture('metrics-json', [{ line: oldEnvelope({ source: 'checkout-api', signal: 'metrics', json: jsonOf('metrics', rm2), pb: pb2, mode: 'json-object' }), signal: 'metrics', pb: pb2, shape: 'old-json-object' }],
      `metrics as OTLP/JSON object in the ${OLD_VERSION} shape (endpoint /v1/metrics); delta temporality`);
  }

  // -- logs ------------------------------------------------------------------
  {
    const lr = await makeLogs({ service: 'checkout-api', tag: 'logpb', seed: 'logs-pb', t0: 52000 });
    const pb = pbOf('logs', lr);
    envelopeFixture('logs-protobuf-gzip', [{ line: currentEnvelope({ source: 'checkout-api', signal: 'logs', pb }), signal: 'logs', pb, shape: 'current-protobuf-gzip' }],
      `logs in the ${EXPORTER_VERSION} envelope shape (built by hand, endpoint /v1/logs): string/map/bytes/int bodies, trace context, event name, no-severity record`);
    const lr2 = await makeLogs({ service: 'billing-py', tag: 'logjson', seed: 'logs-json', t0: 53000 });
    const pb2 = pbOf('logs', lr2);
    envelopeFixture('logs-json', [{ line: oldEnvelope({ source: 'billing-py', signal: 'logs', json: jsonOf('logs', lr2), pb: pb2, mode: 'json-object' }), signal: 'logs', pb: pb2, shape: 'old-json-object' }],
      `logs as OTLP/JSON object in the ${OLD_VERSION} shape (endpoint /v1/logs)`);
  }

  // -- Lambda JSON log format wrappers ----------------------------------------
  {
    const spans = await trSpans('lambda-json-string', 'checkout-api', 'lamstr', 60000);
    const env = await referenceExport(spans, { OTEL_SERVICE_NAME: 'checkout-api' });
    // Node.js runtime with LoggingConfig.LogFormat=JSON: console.log(line) -> message is the string.
    const line = JSON.stringify({ timestamp: '2026-11-24T10:16:30.123Z', level: 'INFO', requestId: requestId('lambda-json-string'), message: env });
    envelopeFixture('lambda-json-message-string', [{ line, signal: 'traces', pb: pbOf('traces', spans), shape: 'lambda-json(message=string(current-protobuf-gzip))', wrapped: true }],
      'Lambda JSON log format record (Node.js runtime layout) whose "message" is the envelope as a JSON-encoded string');
    const spans2 = await trSpans('lambda-json-object', 'billing-py', 'lamobj', 61000);
    const env2 = await referenceExport(spans2, { OTEL_SERVICE_NAME: 'billing-py' });
    // Python runtime with JSON format: logging a dict -> message is an embedded JSON object.
    const line2 = JSON.stringify({ timestamp: '2026-11-24T10:16:31Z', level: 'INFO', message: JSON.parse(env2), logger: 'root', requestId: requestId('lambda-json-object') });
    envelopeFixture('lambda-json-message-object', [{ line: line2, signal: 'traces', pb: pbOf('traces', spans2), shape: 'lambda-json(message=object(current-protobuf-gzip))', wrapped: true }],
      'Lambda JSON log format record (Python runtime layout) whose "message" is the envelope as an embedded JSON object');
  }

  // -- cwlogs/ -------------------------------------------------------------------
  const kinesisRecords = [];
  const tsMixed = BASE_MS + 3600000;
  const mixedEvents = [];
  {
    const seed = 'cw-mixed';
    const rid = requestId(seed);
    const spans = await trSpans('cw-mixed-traces', 'checkout-api', 'cwmix-tr', 3600000);
    const traceLine = await referenceExport(spans, { OTEL_SERVICE_NAME: 'checkout-api' });
    const rm = await makeMetrics({ service: 'checkout-api', tag: 'cwmix-met', t0: 3600000 });
    const lr = await makeLogs({ service: 'checkout-api', tag: 'cwmix-log', seed: 'cw-mixed-logs', t0: 3600000 });
    const oldSpans = await trSpans('cw-mixed-old', 'checkout-api', 'cwmix-old', 3601000);
    const tsIso = (ms) => new Date(tsMixed + ms).toISOString();
    const N = (noise, message) => ({ kind: 'noise', noise, message });
    const E = (signal, shape, message, pb) => ({ kind: 'envelope', signal, shape, message, pb });
    mixedEvents.push(
      N('platform-start', `START RequestId: ${rid} Version: $LATEST\n`),
      N('text', `${tsIso(3)}\t${rid}\tINFO\tLoading order 42 from the database\n`),
      E('traces', 'current-protobuf-gzip', traceLine + '\n', pbOf('traces', spans)),
      N('json', JSON.stringify({ level: 'info', msg: 'order accepted', orderId: 42, requestId: rid }) + '\n'),
      E('metrics', 'current-protobuf-gzip', currentEnvelope({ source: 'checkout-api', signal: 'metrics', pb: pbOf('metrics', rm) }) + '\n', pbOf('metrics', rm)),
      N('text', 'plain text line without any JSON {not json\n'),
      E('logs', 'current-protobuf-gzip', currentEnvelope({ source: 'checkout-api', signal: 'logs', pb: pbOf('logs', lr), level: 'INFO' }) + '\n', pbOf('logs', lr)),
      // JSON that mentions the key only inside a value: NOT an envelope.
      N('json', JSON.stringify({ level: 'debug', msg: 'exporter wrote __otel_otlp_stdout line', note: '"__otel_otlp_stdout":"0.17.3"' }) + '\n'),
      E('traces', 'old-json-object', oldEnvelope({ source: 'checkout-api', signal: 'traces', json: jsonOf('traces', oldSpans), pb: pbOf('traces', oldSpans), mode: 'json-object' }) + '\n', pbOf('traces', oldSpans)),
      N('platform-end', `END RequestId: ${rid}\n`),
      N('platform-report', `REPORT RequestId: ${rid}\tDuration: 123.45 ms\tBilled Duration: 124 ms\tMemory Size: 512 MB\tMax Memory Used: 87 MB\tInit Duration: 245.67 ms\t\n`),
    );
    const mixed = cwFixture('mixed', {
      seed, logGroup: '/aws/lambda/checkout-api', tsStartMs: tsMixed, events: mixedEvents,
      description: 'DATA_MESSAGE mixing envelopes (traces 0.17.3, metrics, logs, traces old JSON object) with noise: START/END/REPORT, plain text, non-envelope JSON; envelope messages keep the trailing "\\n" of a stdout line',
    });
    kinesisRecords.push({ file: mixed.rel, bytes: mixed.bytes });
    const numeric = cwFixture('mixed-numeric-ids', {
      seed, logGroup: '/aws/lambda/checkout-api', tsStartMs: tsMixed, events: mixedEvents, numericIds: true,
      expectedFrom: mixed.expectedByIndex,
      description: 'byte-for-byte the same payload as mixed.json.gz except logEvents[].id are JSON numbers (56 digits; moto writes them this way): parse ids without float64',
    });
    kinesisRecords.push({ file: numeric.rel, bytes: numeric.bytes, duplicate_of: mixed.rel });
  }

  // CONTROL_MESSAGE exactly as CloudWatch Logs sends it when a subscription is created.
  {
    const rel = 'cwlogs/control-message.json.gz';
    const text = JSON.stringify({
      messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [],
      logEvents: [{ id: '', timestamp: tsMixed - 60000, message: 'CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.' }],
    });
    const bytes = zlib.gzipSync(Buffer.from(text), { level: 6 });
    out(rel, bytes);
    manifest.files[rel] = {
      kind: 'cwlogs', description: 'health check sent when a subscription filter is created: drop silently (counted); owner is "CloudwatchLogs", id is ""',
      gzip: true, message_type: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', log_group: '', log_stream: '', numeric_event_ids: false,
      log_events: 1, envelope_lines: 0, valid_envelope_lines: 0, noise_lines: 0, control_events: 1, noise_by_kind: {}, signals: [], services: [],
      spans: 0, metric_data_points: 0, log_records: 0, test_ids: [], damaged: [], decodable: true,
    };
    kinesisRecords.splice(1, 0, { file: rel, bytes, control: true });
  }

  // Plain JSON (not gzipped) DATA_MESSAGE.
  {
    const seed = 'cw-plain'; const rid = requestId(seed);
    const spans = await trSpans('cw-plain', 'inventory-worker', 'cwplain', 3700000);
    const r = cwFixture('plain-not-gzipped', {
      seed, logGroup: '/aws/lambda/inventory-worker', tsStartMs: BASE_MS + 3700000, gzip: false,
      events: [
        { kind: 'noise', noise: 'platform-start', message: `START RequestId: ${rid} Version: 7\n` },
        { kind: 'envelope', signal: 'traces', shape: 'current-protobuf-gzip', message: (await referenceExport(spans, { OTEL_SERVICE_NAME: 'inventory-worker' })) + '\n', pb: pbOf('traces', spans) },
        { kind: 'noise', noise: 'platform-end', message: `END RequestId: ${rid}\n` },
      ],
      description: 'a DATA_MESSAGE that is plain JSON, not gzipped (AWS always gzips; tests that sniff the gzip magic use this)',
    });
    kinesisRecords.push({ file: r.rel, bytes: r.bytes, not_gzipped: true });
  }

  // Truncated gzip: the whole record is undecodable.
  {
    const seed = 'cw-truncated'; const rid = requestId(seed);
    const spans = await trSpans('cw-truncated', 'checkout-api', 'cwtrunc', 3800000);
    const r = cwFixture('truncated', {
      seed, logGroup: '/aws/lambda/checkout-api', tsStartMs: BASE_MS + 3800000,
      events: [
        { kind: 'noise', noise: 'platform-start', message: `START RequestId: ${rid} Version: $LATEST\n` },
        { kind: 'envelope', signal: 'traces', shape: 'current-protobuf-gzip', message: (await referenceExport(spans, { OTEL_SERVICE_NAME: 'checkout-api' })) + '\n', pb: pbOf('traces', spans) },
      ],
      damageWhole: { reason: 'gzip stream truncated (first 60% of the bytes): unexpected EOF', fn: (b) => b.subarray(0, Math.floor(b.length * 0.6)) },
      description: 'damaged record: a gzip stream cut short; undecodable as a whole (goes to the DLQ as "undecodable")',
    });
    let threw = false; try { zlib.gunzipSync(r.bytes); } catch (_) { threw = true; }
    if (!threw) throw new Error('truncated gzip decoded');
    kinesisRecords.push({ file: r.rel, bytes: r.bytes, damaged: 'gzip stream truncated: unexpected EOF' });
  }

  // Envelope with corrupt base64, next to a good one.
  {
    const seed = 'cw-corrupt-b64'; const rid = requestId(seed);
    const good = await trSpans('cw-corrupt-b64-good', 'checkout-api', 'cwb64-good', 3900000);
    const bad = await trSpans('cw-corrupt-b64-bad', 'checkout-api', 'cwb64-bad', 3901000);
    const badObj = JSON.parse(await referenceExport(bad, { OTEL_SERVICE_NAME: 'checkout-api' }));
    const p = badObj.payload; const mid = Math.floor(p.length / 2);
    badObj.payload = p.slice(0, mid) + '!*@#' + p.slice(mid + 4); // not in the base64 alphabet
    let threw = false; try { if (!/^[A-Za-z0-9+/]*={0,2}$/.test(badObj.payload)) throw new Error('x'); } catch (_) { threw = true; }
    if (!threw) throw new Error('base64 corruption');
    const r = cwFixture('corrupt-base64', {
      seed, logGroup: '/aws/lambda/checkout-api', tsStartMs: BASE_MS + 3900000,
      events: [
        { kind: 'noise', noise: 'platform-start', message: `START RequestId: ${rid} Version: $LATEST\n` },
        { kind: 'envelope', signal: 'traces', shape: 'current-protobuf-gzip', message: (await referenceExport(good, { OTEL_SERVICE_NAME: 'checkout-api' })) + '\n', pb: pbOf('traces', good) },
        { kind: 'envelope', signal: 'traces', shape: 'current-protobuf-gzip', message: JSON.stringify(badObj) + '\n', damaged: 'payload is not valid base64 (4 characters in the middle replaced by "!*@#")' },
        { kind: 'noise', noise: 'platform-end', message: `END RequestId: ${rid}\n` },
      ],
      description: 'valid record; log event 2 is an envelope whose base64 payload is corrupt, event 1 is a good envelope',
    });
    kinesisRecords.push({ file: r.rel, bytes: r.bytes, damaged_events: 'event 2: corrupt base64 (event 1 is good)' });
  }

  // Envelope with valid base64 whose gzip is corrupt.
  {
    const seed = 'cw-corrupt-gzip'; const rid = requestId(seed);
    const good = await trSpans('cw-corrupt-gzip-good', 'inventory-worker', 'cwgz-good', 4000000);
    const bad = await trSpans('cw-corrupt-gzip-bad', 'inventory-worker', 'cwgz-bad', 4001000);
    const badObj = JSON.parse(await referenceExport(bad, { OTEL_SERVICE_NAME: 'inventory-worker' }));
    const gz = Buffer.from(badObj.payload, 'base64');
    const mid = Math.floor(gz.length / 2);
    for (let i = mid; i < mid + 16; i++) gz[i] ^= 0xa5; // flip bits inside the deflate stream
    let threw = false; try { zlib.gunzipSync(gz); } catch (_) { threw = true; }
    if (!threw) throw new Error('corrupted gzip still decodes');
    badObj.payload = gz.toString('base64');
    const r = cwFixture('corrupt-gzip-inside', {
      seed, logGroup: '/aws/lambda/inventory-worker', tsStartMs: BASE_MS + 4000000,
      events: [
        { kind: 'envelope', signal: 'traces', shape: 'current-protobuf-gzip', message: JSON.stringify(badObj) + '\n', damaged: 'payload is valid base64 but the gzip inside is corrupt (16 bytes XOR 0xa5 in the middle of the deflate data)' },
        { kind: 'envelope', signal: 'traces', shape: 'current-protobuf-gzip', message: (await referenceExport(good, { OTEL_SERVICE_NAME: 'inventory-worker' })) + '\n', pb: pbOf('traces', good) },
        { kind: 'noise', noise: 'platform-report', message: `REPORT RequestId: ${rid}\tDuration: 8.02 ms\tBilled Duration: 9 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\t\n` },
      ],
      description: 'valid record; log event 0 is an envelope with valid base64 but corrupt gzip, event 1 is a good envelope',
    });
    kinesisRecords.push({ file: r.rel, bytes: r.bytes, damaged_events: 'event 0: corrupt gzip inside the envelope (event 1 is good)' });
  }

  // ~1 MB log event: one envelope with many spans.
  {
    const seed = 'cw-large'; const rid = requestId(seed);
    const TARGET = 1000000; // message bytes, under CloudWatch's 1,048,576-byte event limit (incl. 26 bytes overhead)
    const build = async (n) => {
      const spans = await trSpans('cw-large', 'bulk-loader', 'large', 4100000, { bulk: n, bulkBlobChars: 600 });
      const line = (await referenceExport(spans, { OTEL_SERVICE_NAME: 'bulk-loader' })) + '\n';
      return { spans, line };
    };
    let lo = 1; let hi = 4000; // largest n whose message is <= TARGET
    while (lo < hi) { const mid = Math.ceil((lo + hi) / 2); if ((await build(mid)).line.length <= TARGET) lo = mid; else hi = mid - 1; }
    const { spans, line } = await build(lo);
    if (line.length > TARGET || line.length < TARGET - 2000) throw new Error('large message size ' + line.length);
    const r = cwFixture('large-1mb', {
      seed, logGroup: '/aws/lambda/bulk-loader', tsStartMs: BASE_MS + 4100000,
      events: [
        { kind: 'noise', noise: 'platform-start', message: `START RequestId: ${rid} Version: $LATEST\n` },
        { kind: 'envelope', signal: 'traces', shape: 'current-protobuf-gzip', message: line, pb: pbOf('traces', spans) },
        { kind: 'noise', noise: 'platform-end', message: `END RequestId: ${rid}\n` },
      ],
      description: `one log event of ${line.length} bytes (one 0.17.3 envelope, gzip level 6, ${spans.length} spans)`,
    });
    manifest.files[r.rel].largest_message_bytes = line.length;
  }

  // -- kinesis/: a Lambda Kinesis event carrying the cwlogs payloads ----------------
  {
    const rel = 'kinesis/event.json';
    const streamArn = `arn:aws:kinesis:${REGION}:${OWNER}:stream/otlpfwd-raw`;
    const seqBase = BigInt('49657954613432149882190365846517355230741658447373189122');
    const records = []; const recInfo = [];
    kinesisRecords.forEach((r, i) => {
      const seq = (seqBase + BigInt(i) * 1267650600228229401496703205376n + BigInt(i * i)).toString(); // 2^100 apart
      if (seq.length !== 56) throw new Error('seq len');
      records.push({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: hex(`pk:${r.file}`, 32),
          sequenceNumber: seq,
          data: r.bytes.toString('base64'),
          approximateArrivalTimestamp: (BASE_MS + 4200042 + i * 137) / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000000:${seq}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: `arn:aws:iam::${OWNER}:role/otlpfwd-ingest-role`,
        awsRegion: REGION,
        eventSourceARN: streamArn,
      });
      const f = manifest.files[r.file];
      recInfo.push({
        index: i, sequence_number: seq, cwlogs_file: r.file, message_type: f.message_type,
        gzip: f.gzip, control: !!r.control, damaged: r.damaged || null, damaged_events: r.damaged_events || null,
        duplicate_of: r.duplicate_of || null,
        log_events: f.log_events, envelope_lines: f.envelope_lines, valid_envelope_lines: f.valid_envelope_lines,
        noise_lines: f.noise_lines, control_events: f.control_events, spans: f.spans,
        metric_data_points: f.metric_data_points, log_records: f.log_records, test_ids: f.test_ids,
      });
    });
    out(rel, JSON.stringify({ Records: records }, null, 2) + '\n');
    const sum = (k) => recInfo.reduce((a, r) => a + r[k], 0);
    manifest.files[rel] = {
      kind: 'kinesis', description: 'Lambda Kinesis event (aws-lambda-go events.KinesisEvent) from shard shardId-000000000000 of the raw stream; each record\'s data is one cwlogs/ fixture (the ~1 MB one is left out)',
      event_source_arn: streamArn, records: recInfo.length,
      control_records: recInfo.filter((r) => r.control).length,
      damaged_records: recInfo.filter((r) => r.damaged).map((r) => ({ index: r.index, sequence_number: r.sequence_number, reason: r.damaged })),
      records_with_damaged_events: recInfo.filter((r) => r.damaged_events).map((r) => ({ index: r.index, sequence_number: r.sequence_number, reason: r.damaged_events })),
      not_gzipped_records: recInfo.filter((r) => r.gzip === false).map((r) => r.index),
      totals_over_decodable_records: {
        note: 'sums over all records (duplicate_of records counted again); damaged records contribute 0',
        log_events: sum('log_events'), control_events: sum('control_events'), noise_lines: sum('noise_lines'),
        envelope_lines: sum('envelope_lines'), valid_envelope_lines: sum('valid_envelope_lines'), spans: sum('spans'),
        metric_data_points: sum('metric_data_points'), log_records: sum('log_records'),
      },
      test_ids: [...new Set(recInfo.flatMap((r) => r.test_ids))].sort(),
      test_id_occurrences: recInfo.reduce((a, r) => a + r.test_ids.length, 0),
      details: recInfo,
    };
  }

  // -- manifest ------------------------------------------------------------------
  const sizes = {};
  for (const [rel, buf] of [...written.entries()].sort()) {
    sizes[rel] = { bytes: buf.length, sha256: crypto.createHash('sha256').update(buf).digest('hex') };
  }
  manifest.file_sizes = sizes;
  const sorted = {};
  for (const k of Object.keys(manifest.files).sort()) sorted[k] = manifest.files[k];
  manifest.files = sorted;
  out('manifest.json', stringifyCompact(manifest) + '\n');

  // Files in the generated directories that this run did not produce are stale.
  for (const dir of ['envelope', 'cwlogs', 'kinesis']) {
    const abs = path.join(ROOT, dir);
    if (!fs.existsSync(abs)) continue;
    for (const f of fs.readdirSync(abs)) {
      const rel = `${dir}/${f}`;
      if (written.has(rel)) continue;
      if (CHECK) { checkFailures++; console.error(`STALE: ${rel} (not produced by this generator)`); } else fs.rmSync(path.join(abs, f), { recursive: true });
    }
  }

  if (CHECK) {
    if (checkFailures) { console.error(`${checkFailures} file(s) differ from a fresh run`); process.exit(1); }
    console.log(`check ok: ${written.size} files identical to a fresh run`);
  } else {
    console.log(`wrote ${written.size} files under ${ROOT}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
