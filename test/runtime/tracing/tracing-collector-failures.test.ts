/**
 * Tracing never loses spans silently: failed exports reach the server's log, and dropped spans the
 * dropped-span counter. Against collectors that really misbehave: a port nobody listens on, and one
 * that accepts connections and never answers. The exporter's own rules (retries, refusals, partial
 * success) are tested in otlp-span-exporter.test.ts.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { type CliServer, logLines, startCliServer } from '../helpers/cli-server';
import { until } from '../helpers/until';

const IRIS_BODY = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [6.0, 2.9, 4.9, 1.6] }] });

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
    // Spans go out about once a second and are tried five times over about 10 s (1, 2, 4 and 5 s
    // apart, with jitter); then the failure is reported and the spans counted.
    const running = server;
    await until(() => logLines(running.stdout()).some((line) => line.msg.startsWith('tracing: ')), { timeoutMs: 30_000, intervalMs: 100, what: () => running.stdout() });
    const line = logLines(running.stdout()).find((entry) => entry.msg.startsWith('tracing: '))!;
    expect(line.level).toBe(40); // pino's warn
    expect(line.msg).toMatch(/^tracing: export of 4 spans to http:\/\/127\.0\.0\.1:\d+\/v1\/traces failed: .*ECONNREFUSED/);
    expect(logLines(running.stdout()).find((entry) => entry.msg === 'tracing dropped spans')).toMatchObject({ level: 40, droppedSpans: { export_failed: 4 } });
  }, 60_000);

  test('spans dropped while the collector stalls are counted in kfs_tracing_dropped_spans_total and logged', async () => {
    const collector = await stallingCollector();
    try {
      server = await startCliServer(['--model', 'iris=models/iris', '--otlp-endpoint', collector.endpoint, '--metrics-port', '0', '--drain-seconds', '0']);
      const running = server;
      const infer = () => fetch(`${running.url}/v2/models/iris/infer`, { method: 'POST', body: IRIS_BODY, headers: { 'content-type': 'application/json' } }).then((response) => response.arrayBuffer());
      // Four spans a request (request, decode, inference, encode). One batch of 512 is exported at a
      // time, held here, and 2048 more wait: 1000 requests overflow that.
      const requests = 1000;
      for (let sent = 0; sent < requests; sent += 20) await Promise.all(Array.from({ length: 20 }, infer));
      await until(() => collector.exports() >= 1, { timeoutMs: 10_000, intervalMs: 100, what: () => 'the first export never reached the collector' });
      // Drops are counted as they happen, while the collector still stalls.
      const metrics = async () => (await fetch(`http://127.0.0.1:${running.metricsPort!}/metrics`)).text();
      const count = Number(/^kfs_tracing_dropped_spans_total\{reason="queue_full"\} (\d+)$/m.exec(await metrics())?.[1]);
      expect(count).toBeGreaterThanOrEqual(requests * 4 - 512 - 2048);
      expect(count).toBeLessThanOrEqual(requests * 4);
      collector.release();
      const line = logLines(running.stdout()).find((entry) => entry.msg === 'tracing dropped spans');
      expect(line).toMatchObject({ level: 40, droppedSpans: { queue_full: expect.any(Number) } });
      // What was queued is exported once the collector answers: none of it is dropped later.
      await until(() => collector.exports() >= 5, { timeoutMs: 20_000, intervalMs: 100, what: () => `only ${collector.exports()} exports arrived` });
      expect(/^kfs_tracing_dropped_spans_total\{reason="queue_full"\} (\d+)$/m.exec(await metrics())?.[1]).toBe(String(count));
      expect(await metrics()).not.toMatch(/^kfs_tracing_dropped_spans_total\{reason="(rejected|export_failed)"\}/m);
    } finally {
      await collector.close();
    }
  }, 90_000);
});
