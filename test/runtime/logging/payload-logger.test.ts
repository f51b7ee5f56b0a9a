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

describe('PayloadLogger over its own sink connections', () => {
  let sink: ScriptedSink | undefined;
  afterEach(async () => {
    await sink?.stop();
    sink = undefined;
  });

  it('retries an event whose connection the sink closed mid-request, and delivers it', async () => {
    sink = await ScriptedSink.start((request) => (request === 1 ? 'destroy' : ScriptedSink.OK));
    const report = recorder();
    const logger = new PayloadLogger({ url: sink.url.href, concurrency: 1, retryBackoffMs: 1 }, report.events);
    logger.logRequest('retried', new Date(0), 'application/json', Buffer.from('{}'), undefined);
    await until(() => logger.depth === 0);
    await logger.close(1000);
    expect(sink.heads.map((head) => /\r\nce-id: (.*)\r\n/.exec(head)?.[1])).toEqual(['retried', 'retried']);
    expect(sink.sockets).toHaveLength(2);
    expect(report.dropped).toEqual({});
    expect(report.failures).toEqual([]);
  });

  it('never waits for a sink that does not answer: what the senders and the queue cannot hold is dropped and counted', async () => {
    sink = await ScriptedSink.start(() => undefined);
    const report = recorder();
    const logger = new PayloadLogger({ url: sink.url.href, concurrency: 2, queueSize: 3, sendTimeoutMs: 60_000 }, report.events);
    for (let i = 0; i < 10; i++) logger.logRequest(`slow-${i}`, new Date(0), undefined, Buffer.alloc(0), undefined);
    // Two events went to the two senders, three wait in the queue, five found it full.
    expect(logger.depth).toBe(5);
    expect(report.dropped).toEqual({ queue_full: 5 });
    await until(() => sink!.requests === 2);
    await logger.close(0);
    // Shutdown cuts the two sends off and drops the three still queued, each counted once.
    expect(report.dropped).toEqual({ queue_full: 5, shutdown: 5 });
    expect(logger.depth).toBe(0);
  });

  it('drops an event whose id no header can carry at once, without sending or retrying it', async () => {
    sink = await ScriptedSink.start(() => ScriptedSink.OK);
    const report = recorder();
    const logger = new PayloadLogger({ url: sink.url.href, concurrency: 1 }, report.events);
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
    const logger = new PayloadLogger({ url: sink.url.href, concurrency: 1, maxAttempts: 3, retryBackoffMs: 1 }, report.events);
    logger.logResponse('unlucky "one"', 'application/json', Buffer.from('{}'), undefined);
    await until(() => logger.depth === 0);
    await logger.close(1000);
    expect(sink.requests).toBe(3);
    expect(report.dropped).toEqual({ send_failed: 1 });
    expect(report.failures).toEqual([`event "unlucky \\"one\\"" (org.kubeflow.serving.inference.response) not delivered to ${sink.url.href}: sink answered HTTP 503`]);
  });

  it('refuses a sink URL that is not http(s) when it is built, not on the first event', () => {
    expect(() => new PayloadLogger({ url: 'file:///tmp/events' }, recorder().events)).toThrow('the log sink file:///tmp/events is not an http:// or https:// URL');
  });
});
