import type { DropReason } from '../../../runtime/src/metrics/runtime-metrics';
import { PayloadLogger } from '../../../runtime/src/logging/payload-logger';
import { ScriptedSink } from '../helpers/scripted-sink';
import { until } from '../helpers/until';

/** The logger's reports, kept: drops by reason and failure messages. */
function recorder() {
  const dropped: Partial<Record<DropReason, number>> = {};
  const failures: string[] = [];
  return {
    dropped,
    failures,
    events: {
      dropped: (reason: DropReason, count: number) => (dropped[reason] = (dropped[reason] ?? 0) + count),
      failed: (message: string) => failures.push(message),
    },
  };
}

describe('PayloadLogger over its own pipelining sink connections', () => {
  let sink: ScriptedSink | undefined;
  afterEach(async () => {
    await sink?.stop();
    sink = undefined;
  });

  it('retries an event whose connection the sink closed mid-request, and delivers it', async () => {
    sink = await ScriptedSink.start((request) => (request === 1 ? 'destroy' : ScriptedSink.OK));
    const report = recorder();
    const logger = new PayloadLogger({ url: sink.url.href, connections: 1, retryBackoffMs: 1 }, report.events);
    logger.logRequest('retried', new Date(0), 'application/json', Buffer.from('{}'), undefined);
    await until(() => logger.depth === 0);
    await logger.close(1000);
    expect(sink.heads.map((head) => /\r\nce-id: (.*)\r\n/.exec(head)?.[1])).toEqual(['retried', 'retried']);
    expect(sink.sockets).toHaveLength(2);
    expect(report.dropped).toEqual({});
    expect(report.failures).toEqual([]);
  });

  it('never waits for a sink that does not answer: what the queue cannot hold is dropped and counted', async () => {
    sink = await ScriptedSink.start(() => undefined);
    const report = recorder();
    const logger = new PayloadLogger({ url: sink.url.href, connections: 2, queueSize: 3, sendTimeoutMs: 60_000, batchDelayMs: 0 }, report.events);
    for (let i = 0; i < 10; i++) logger.logRequest(`slow-${i}`, new Date(0), undefined, Buffer.alloc(0), undefined);
    // Ten events in one turn of the event loop: the queue takes three, seven find it full.
    expect(logger.depth).toBe(3);
    expect(report.dropped).toEqual({ queue_full: 7 });
    // A new connection carries one event until the sink answers it: two go out, one waits.
    await until(() => sink!.requests === 2);
    // Events in flight still count against the queue's size.
    for (let i = 10; i < 15; i++) logger.logRequest(`slow-${i}`, new Date(0), undefined, Buffer.alloc(0), undefined);
    expect(logger.depth).toBe(3);
    expect(report.dropped).toEqual({ queue_full: 12 });
    await logger.close(0);
    // Shutdown cuts the two sends off and drops the one still queued, each counted once.
    expect(report.dropped).toEqual({ queue_full: 12, shutdown: 3 });
    expect(logger.depth).toBe(0);
  });

  it('sends the events of a batch in one write on one connection, once the sink has shown it keeps connections open', async () => {
    const writes: number[] = [];
    sink = await ScriptedSink.start(() => ScriptedSink.OK);
    sink.server.on('connection', (socket) => socket.on('data', (chunk: Buffer) => writes.push(chunk.toString('latin1').split('POST ').length - 1)));
    const report = recorder();
    const logger = new PayloadLogger({ url: sink.url.href, connections: 2, batchDelayMs: 20 }, report.events);
    logger.logRequest('probe', new Date(0), undefined, Buffer.from('{}'), undefined);
    await until(() => logger.depth === 0);
    for (let i = 0; i < 10; i++) logger.logRequest(`batched-${i}`, new Date(0), 'application/json', Buffer.from(`{"i":${i}}`), undefined);
    await until(() => logger.depth === 0);
    await logger.close(1000);
    expect(writes).toEqual([1, 10]);
    expect(sink.sockets).toHaveLength(1);
    expect(sink.heads.map((head) => /\r\nce-id: (.*)\r\n/.exec(head)?.[1])).toEqual(['probe', ...Array.from({ length: 10 }, (_, i) => `batched-${i}`)]);
    expect(report.dropped).toEqual({});
  });

  it('sends the events behind an answer that closed the connection again, without spending a try on them', async () => {
    // The sink says it closes after the second request; the three written behind it must not count as tries.
    sink = await ScriptedSink.start((request) => (request === 2 ? 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n' : ScriptedSink.OK));
    const report = recorder();
    const logger = new PayloadLogger({ url: sink.url.href, connections: 1, maxAttempts: 1, batchDelayMs: 1 }, report.events);
    logger.logRequest('probe', new Date(0), undefined, Buffer.alloc(0), undefined);
    await until(() => logger.depth === 0);
    for (const id of ['closer', 'behind-1', 'behind-2', 'behind-3']) logger.logRequest(id, new Date(0), undefined, Buffer.alloc(0), undefined);
    await until(() => logger.depth === 0);
    await logger.close(1000);
    expect(report.dropped).toEqual({});
    expect(report.failures).toEqual([]);
    // The new connection carried the three again (in some order), after the sink had read them on the closed one.
    const ids = sink.heads.map((head) => /\r\nce-id: (.*)\r\n/.exec(head)?.[1]);
    expect(ids.slice(0, 5)).toEqual(['probe', 'closer', 'behind-1', 'behind-2', 'behind-3']);
    expect(ids.slice(5).sort()).toEqual(['behind-1', 'behind-2', 'behind-3']);
    expect(sink.sockets).toHaveLength(2);
  });

  it('sends what is queued at once when it closes, without waiting out the batch delay', async () => {
    sink = await ScriptedSink.start(() => ScriptedSink.OK);
    const report = recorder();
    const logger = new PayloadLogger({ url: sink.url.href, batchDelayMs: 60_000 }, report.events);
    logger.logRequest('last', new Date(0), undefined, Buffer.alloc(0), undefined);
    const started = performance.now();
    await logger.close(30_000);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(sink.requests).toBe(1);
    expect(report.dropped).toEqual({});
  });

  it('drops an event whose id no header can carry at once, without sending or retrying it', async () => {
    sink = await ScriptedSink.start(() => ScriptedSink.OK);
    const report = recorder();
    const logger = new PayloadLogger({ url: sink.url.href, connections: 1 }, report.events);
    logger.logRequest('bad\nid', new Date(0), undefined, Buffer.alloc(0), undefined);
    logger.logRequest('good', new Date(0), undefined, Buffer.alloc(0), undefined);
    await until(() => logger.depth === 0);
    await logger.close(1000);
    expect(sink.requests).toBe(1);
    expect(report.dropped).toEqual({ send_failed: 1 });
    expect(report.failures).toEqual([
      `event "bad\\nid" (org.kubeflow.serving.inference.request) not sent to ${sink.url.href}: the event's id, content type or metadata holds a character an HTTP header cannot carry (a control character, or one past latin1)`,
    ]);
  });

  it('gives up on an event after maxAttempts 5xx answers, counting it and saying which event and why', async () => {
    sink = await ScriptedSink.start(() => 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
    const report = recorder();
    const logger = new PayloadLogger({ url: sink.url.href, connections: 1, maxAttempts: 3, retryBackoffMs: 1 }, report.events);
    logger.logResponse('unlucky "one"', 'application/json', Buffer.from('{}'), undefined);
    await until(() => logger.depth === 0);
    await logger.close(1000);
    expect(sink.requests).toBe(3);
    expect(report.dropped).toEqual({ send_failed: 1 });
    expect(report.failures).toEqual([`event "unlucky \\"one\\"" (org.kubeflow.serving.inference.response) not delivered to ${sink.url.href}: sink answered HTTP 503`]);
  });

  it('refuses option values it cannot work with when it is built, naming the option', () => {
    const url = 'http://127.0.0.1:9/events';
    expect(() => new PayloadLogger({ url, connections: 0 }, recorder().events)).toThrow('request logging: connections must be a whole number of at least 1, got 0');
    expect(() => new PayloadLogger({ url, pipelineDepth: 1.5 }, recorder().events)).toThrow('request logging: pipelineDepth must be a whole number of at least 1, got 1.5');
    expect(() => new PayloadLogger({ url, batchDelayMs: -1 }, recorder().events)).toThrow('request logging: batchDelayMs must be a whole number of at least 0, got -1');
    expect(() => new PayloadLogger({ url, queueSize: Number.NaN }, recorder().events)).toThrow('request logging: queueSize must be a whole number of at least 1, got NaN');
  });

  it('refuses a sink URL that is not http(s) when it is built, not on the first event', () => {
    expect(() => new PayloadLogger({ url: 'file:///tmp/events' }, recorder().events)).toThrow('the log sink file:///tmp/events is not an http:// or https:// URL');
  });
});
