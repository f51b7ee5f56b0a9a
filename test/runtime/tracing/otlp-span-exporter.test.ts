import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { Writer } from 'protobufjs';
import { lengthDelimitedFields } from '../../../runtime/src/tracing/otlp/otlp-response';
import { ExportRequestFrame } from '../../../runtime/src/tracing/otlp/otlp-trace-encoding';
import { ENCODE_RUN, OtlpSpanExporter, type OtlpSpanExporterOptions, type SpanDropReason } from '../../../runtime/src/tracing/otlp/otlp-span-exporter';
import { type FinishedSpan, SpanKind } from '../../../runtime/src/tracing/span';
import { until } from '../helpers/until';

/** One scripted answer: its status, body and headers, given once `after` settles (default: at once). */
interface Answer {
  readonly status: number;
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
  readonly after?: Promise<unknown>;
}

/** A real HTTP collector on loopback whose answers the test scripts, one per export (the last repeats). */
class ScriptedCollector {
  readonly exports: { spans: string[]; headers: IncomingHttpHeaders }[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: URL,
    private readonly answers: Answer[],
  ) {}

  static async start(answers: Answer[] = [{ status: 200 }]): Promise<ScriptedCollector> {
    let collector: ScriptedCollector | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        collector!.exports.push({ spans: spanNames(request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body), headers: request.headers });
        const answer = collector!.answers.length > 1 ? collector!.answers.shift()! : collector!.answers[0]!;
        void (answer.after ?? Promise.resolve()).then(() =>
          response.writeHead(answer.status, { 'content-type': 'application/x-protobuf', ...answer.headers }).end(answer.body ?? Buffer.alloc(0)),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    collector = new ScriptedCollector(server, new URL(`http://127.0.0.1:${port}/v1/traces`), answers);
    return collector;
  }

  spanCount(): number {
    return this.exports.reduce((total, { spans }) => total + spans.length, 0);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The span names in an ExportTraceServiceRequest (resource_spans 1 → scope_spans 2 → spans 2 → name 5). */
function spanNames(request: Buffer): string[] {
  const names: string[] = [];
  for (const resourceSpans of lengthDelimitedFields(request, 1)) {
    for (const scopeSpans of lengthDelimitedFields(resourceSpans, 2)) {
      for (const span of lengthDelimitedFields(scopeSpans, 2)) names.push(...lengthDelimitedFields(span, 5).map((name) => Buffer.from(name).toString('utf8')));
    }
  }
  return names;
}

/** An ExportTraceServiceResponse with partial_success { rejected_spans, error_message }, encoded by protobufjs. */
function partialSuccess(rejected: number, message: string): Buffer {
  const inner = Writer.create().uint32((1 << 3) | 0).int64(rejected).uint32((2 << 3) | 2).string(message).finish();
  return Buffer.from(Writer.create().uint32((1 << 3) | 2).bytes(inner).finish());
}

const FRAME = new ExportRequestFrame({ resource: { 'service.name': 'test' }, scope: { name: 'test', version: '1' } });

function span(name: string): FinishedSpan {
  return { traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), parentIsRemote: false, name, kind: SpanKind.INTERNAL, startNs: 1n, endNs: 2n };
}

function exporterFor(collector: ScriptedCollector, options: Partial<OtlpSpanExporterOptions> = {}) {
  const dropped: Partial<Record<SpanDropReason, number>> = {};
  const problems: string[] = [];
  const exporter = new OtlpSpanExporter(
    FRAME,
    { url: collector.url, scheduledDelayMs: 60_000, maxBatchSpans: 3, maxQueuedSpans: 6, retryBackoffMs: 10, timeoutMs: 2000, ...options },
    { spansDropped: (reason, count) => (dropped[reason] = (dropped[reason] ?? 0) + count), problem: (message) => problems.push(message) },
  );
  return { exporter, dropped, problems };
}

describe('OtlpSpanExporter', () => {
  let collector: ScriptedCollector;
  afterEach(() => collector.close());

  test('a full batch goes out at once, a partial one after the scheduled delay, in the order the spans ended', async () => {
    collector = await ScriptedCollector.start();
    const { exporter, dropped } = exporterFor(collector, { scheduledDelayMs: 200 });
    for (const name of ['a', 'b', 'c', 'd']) exporter.add(span(name));
    await until(() => collector.exports.length === 1, { timeoutMs: 5000 });
    expect(collector.exports[0]!.spans).toEqual(['a', 'b', 'c']);
    const waited = Date.now();
    await until(() => collector.exports.length === 2, { timeoutMs: 5000 });
    expect(Date.now() - waited).toBeGreaterThanOrEqual(100);
    expect(collector.exports[1]!.spans).toEqual(['d']);
    expect(collector.exports[1]!.headers['content-type']).toBe('application/x-protobuf');
    expect(dropped).toEqual({});
    await exporter.shutdown();
  });

  test('spans encoded in runs still fill batches exactly, in order, when the batch size is no multiple of the run', async () => {
    collector = await ScriptedCollector.start();
    const batch = ENCODE_RUN + ENCODE_RUN / 2 + 3;
    const { exporter, dropped } = exporterFor(collector, { maxBatchSpans: batch, maxQueuedSpans: 10 * batch });
    const names = Array.from({ length: 2 * batch + ENCODE_RUN + 5 }, (_, index) => `s${index}`);
    for (const name of names) exporter.add(span(name));
    // Two full batches went out without waiting; the rest, under one run, goes with the flush.
    await until(() => collector.exports.length === 2, { timeoutMs: 5000 });
    await exporter.flush();
    expect(collector.exports.map(({ spans }) => spans)).toEqual([names.slice(0, batch), names.slice(batch, 2 * batch), names.slice(2 * batch)]);
    expect(dropped).toEqual({});
    await exporter.shutdown();
  });

  test('retries 503 and 429 (honouring Retry-After) and then delivers every span', async () => {
    collector = await ScriptedCollector.start([{ status: 503 }, { status: 429, headers: { 'retry-after': '0' } }, { status: 200 }]);
    const { exporter, dropped, problems } = exporterFor(collector);
    for (const name of ['a', 'b', 'c']) exporter.add(span(name));
    await exporter.flush();
    expect(collector.exports.map(({ spans }) => spans)).toEqual([['a', 'b', 'c'], ['a', 'b', 'c'], ['a', 'b', 'c']]);
    expect(dropped).toEqual({});
    expect(problems).toEqual([]);
    await exporter.shutdown();
  });

  test('a refusal that a retry cannot change (400) drops the batch at once, counted and reported', async () => {
    collector = await ScriptedCollector.start([{ status: 400, body: Buffer.from('bad spans') }, { status: 200 }]);
    const { exporter, dropped, problems } = exporterFor(collector);
    for (const name of ['a', 'b']) exporter.add(span(name));
    await exporter.flush();
    exporter.add(span('c'));
    await exporter.flush();
    expect(collector.exports.map(({ spans }) => spans)).toEqual([['a', 'b'], ['c']]);
    expect(dropped).toEqual({ rejected: 2 });
    expect(problems).toEqual([expect.stringMatching(/^export of 2 spans to http:\/\/127\.0\.0\.1:\d+\/v1\/traces refused: HTTP 400: bad spans$/)]);
    await exporter.shutdown();
  });

  test("spans the collector reports as rejected in a partial success are counted, with the collector's message", async () => {
    collector = await ScriptedCollector.start([{ status: 200, body: partialSuccess(2, 'span too large') }]);
    const { exporter, dropped, problems } = exporterFor(collector);
    for (const name of ['a', 'b', 'c']) exporter.add(span(name));
    await exporter.flush();
    expect(dropped).toEqual({ rejected: 2 });
    expect(problems).toEqual([expect.stringMatching(/rejected 2 of 3 spans: span too large$/)]);
    await exporter.shutdown();
  });

  test('a collector that keeps failing gets maxAttempts tries, then the batch is dropped as export_failed', async () => {
    collector = await ScriptedCollector.start([{ status: 502 }]);
    const { exporter, dropped, problems } = exporterFor(collector, { maxAttempts: 3 });
    exporter.add(span('a'));
    await exporter.flush();
    expect(collector.exports).toHaveLength(3);
    expect(dropped).toEqual({ export_failed: 1 });
    expect(problems).toEqual([expect.stringMatching(/^export of 1 spans to .* failed: HTTP 502$/)]);
    await exporter.shutdown();
  });

  test('while an export is in flight, spans past maxQueuedSpans are dropped as queue_full, the rest exported', async () => {
    // The first answer comes late: everything added meanwhile has to queue.
    let release: () => void = () => undefined;
    collector = await ScriptedCollector.start([{ status: 200, after: new Promise<void>((resolve) => (release = resolve)) }, { status: 200 }]);
    const { exporter, dropped } = exporterFor(collector);
    for (let index = 0; index < 3; index++) exporter.add(span(`first-${index}`));
    // In flight now; six more fit in the queue, the last two do not.
    for (let index = 0; index < 8; index++) exporter.add(span(`queued-${index}`));
    expect(dropped).toEqual({ queue_full: 2 });
    release();
    await exporter.flush();
    expect(dropped).toEqual({ queue_full: 2 });
    expect(collector.spanCount()).toBe(9);
    await exporter.shutdown();
  });

  test('sends the configured headers; shutdown exports what is queued and lets the process go', async () => {
    collector = await ScriptedCollector.start();
    const { exporter } = exporterFor(collector, { headers: { authorization: 'Bearer x' } });
    exporter.add(span('last'));
    await exporter.shutdown();
    expect(collector.exports).toEqual([{ spans: ['last'], headers: expect.objectContaining({ authorization: 'Bearer x' }) }]);
  });

  test('gzip compression: the body is gzip with Content-Encoding, and decodes to the same spans', async () => {
    collector = await ScriptedCollector.start();
    const { exporter, dropped } = exporterFor(collector, { compression: 'gzip' });
    for (const name of ['a', 'b']) exporter.add(span(name));
    await exporter.flush();
    expect(collector.exports).toEqual([{ spans: ['a', 'b'], headers: expect.objectContaining({ 'content-encoding': 'gzip', 'content-type': 'application/x-protobuf' }) }]);
    expect(dropped).toEqual({});
    await exporter.shutdown();
  });

  test('an export that takes longer than timeoutMs fails and is retried', async () => {
    // The first export is never answered; the retry is.
    collector = await ScriptedCollector.start([{ status: 200, after: new Promise(() => undefined) }, { status: 200 }]);
    const { exporter, dropped, problems } = exporterFor(collector, { timeoutMs: 200 });
    exporter.add(span('a'));
    await exporter.flush();
    expect(collector.exports.map(({ spans }) => spans)).toEqual([['a'], ['a']]);
    expect(dropped).toEqual({});
    expect(problems).toEqual([]);
    await exporter.shutdown();
  });

  test('an unreachable collector is tried, then reported with the network error', async () => {
    collector = await ScriptedCollector.start();
    const url = new URL(collector.url);
    await collector.close();
    collector = await ScriptedCollector.start();
    const { exporter, dropped, problems } = exporterFor(collector, { url, maxAttempts: 2 });
    exporter.add(span('a'));
    await exporter.flush();
    expect(dropped).toEqual({ export_failed: 1 });
    expect(problems).toEqual([expect.stringMatching(/failed: .*ECONNREFUSED/)]);
    await exporter.shutdown();
  });
});
