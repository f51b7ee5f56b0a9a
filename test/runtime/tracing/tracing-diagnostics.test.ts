/**
 * Tracing never loses spans silently: the OpenTelemetry SDK's diagnostics (dropped spans, failed
 * exports) reach the server's log and the dropped-span counter. Against collectors that really
 * misbehave: a port nobody listens on, and one that accepts connections and never answers.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { TracingDiagnostics, type TracingEvents } from '../../../runtime/src/tracing/tracing-diagnostics';
import { type CliServer, logLines, startCliServer } from '../helpers/cli-server';

const IRIS_BODY = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [6.0, 2.9, 4.9, 1.6] }] });

function recorder(): TracingEvents & { dropped: number[]; problems: string[] } {
  const dropped: number[] = [];
  const problems: string[] = [];
  return { dropped, problems, spansDropped: (count) => dropped.push(count), problem: (message) => problems.push(message) };
}

describe('TracingDiagnostics', () => {
  test("reads the batch span processor's drop warning for its count; other warnings and errors are problems, formatted", () => {
    const events = recorder();
    const diagnostics = new TracingDiagnostics(events);
    diagnostics.warn('Dropped 12 spans because maxQueueSize reached');
    diagnostics.warn('Export failed with %s', 'status 503');
    diagnostics.error('OTLPExporterError', new Error('connect ECONNREFUSED 127.0.0.1:9'));
    diagnostics.info('not reported');
    expect(events.dropped).toEqual([12]);
    expect(events.problems).toEqual(['Export failed with status 503', expect.stringMatching(/^OTLPExporterError Error: connect ECONNREFUSED 127\.0\.0\.1:9/)]);
  });
});

/**
 * An OTLP/HTTP collector that holds every export unanswered until `release()`, then answers 200 to
 * those and all later ones (a collector that stalls, then recovers).
 */
async function stallingCollector(): Promise<{ endpoint: string; exports: () => number; release: () => void; close: () => Promise<void> }> {
  const held: (() => void)[] = [];
  let released = false;
  let exports = 0;
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => {
      exports++;
      const answer = () => response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      if (released) answer();
      else held.push(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exports: () => exports,
    release: () => {
      released = true;
      for (const answer of held.splice(0)) answer();
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nothing listens on (bound, read, released). */
async function refusingPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(condition: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('tracing against a misbehaving collector (kfs-runtime serve as a process)', () => {
  let server: CliServer | undefined;
  afterEach(async () => {
    await server?.kill();
    server = undefined;
  });

  test('a collector that refuses connections is reported in the log', async () => {
    const port = await refusingPort();
    server = await startCliServer(['--model', 'iris=models/iris', '--otlp-endpoint', `http://127.0.0.1:${port}`, '--disable-metrics', '--drain-seconds', '0']);
    const response = await fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body: IRIS_BODY, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    // Spans go out about once a second; the failed export is then reported.
    const running = server;
    await until(() => logLines(running.stdout()).some((line) => line.msg.startsWith('tracing: ')), 20_000, () => running.stdout());
    const line = logLines(running.stdout()).find((entry) => entry.msg.startsWith('tracing: '))!;
    expect(line.level).toBe(40); // pino's warn
    expect(line.msg).toMatch(/ECONNREFUSED|connect/i);
  }, 60_000);

  test('spans dropped while the collector stalls are counted in kfs_tracing_dropped_spans_total and logged', async () => {
    const collector = await stallingCollector();
    try {
      server = await startCliServer(['--model', 'iris=models/iris', '--otlp-endpoint', collector.endpoint, '--metrics-port', '0', '--drain-seconds', '0']);
      const running = server;
      const infer = () => fetch(`${running.url}/v2/models/iris/infer`, { method: 'POST', body: IRIS_BODY, headers: { 'content-type': 'application/json' } }).then((response) => response.arrayBuffer());
      // At least four spans a request (request, decode, inference, encode). The SDK exports one
      // batch of 512 at a time, held here, and queues 2048 more: 1000 requests overflow it.
      const requests = 1000;
      for (let sent = 0; sent < requests; sent += 20) await Promise.all(Array.from({ length: 20 }, infer));
      await until(() => collector.exports() >= 1, 10_000, () => 'the first export never reached the collector');
      collector.release();
      // The SDK reports its drops when the queue takes a span again, after the held export ended.
      const dropped = async () => Number(/^kfs_tracing_dropped_spans_total (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${running.metricsPort!}/metrics`)).text())?.[1]);
      let count = 0;
      const deadline = Date.now() + 20_000;
      while ((count = await dropped()) === 0 && Date.now() < deadline) await Promise.all(Array.from({ length: 5 }, infer));
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThanOrEqual(requests * 5);
      const line = logLines(running.stdout()).find((entry) => entry.msg.startsWith('tracing dropped spans'));
      expect(line).toMatchObject({ level: 40, droppedSpans: count });
    } finally {
      await collector.close();
    }
  }, 90_000);
});
