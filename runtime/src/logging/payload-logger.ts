import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DropReason } from '../metrics/runtime-metrics';
import { eventSource, type PayloadEvent, REQUEST_EVENT_TYPE, RESPONSE_EVENT_TYPE } from './cloud-event';
import { CloudEventRequestHead } from './cloud-event-request-head';
import type { LogMode, PayloadLoggingOptions } from './payload-logging-options';
import { SinkConnection } from './sink-connection';

/** Where the logger reports what it could not deliver (the drop counter). */
export interface PayloadLoggerEvents {
  dropped(reason: DropReason, count: number): void;
  /** A send failed for good; the message says why (status or network error). */
  failed?(message: string): void;
}

/**
 * The request logger: a bounded in-memory queue of CloudEvents drained by a few concurrent senders
 * with retries and exponential backoff. `log()` only enqueues, so a slow or unreachable sink never
 * adds latency to a request: when the queue is full the event is dropped and counted instead.
 */
export class PayloadLogger {
  readonly mode: LogMode;
  readonly #options: PayloadLoggingOptions;
  readonly #head: CloudEventRequestHead;
  readonly #queue: PayloadEvent[] = [];
  readonly #capacity: number;
  readonly #concurrency: number;
  readonly #maxAttempts: number;
  readonly #backoffMs: number;
  readonly #timeoutMs: number;
  readonly #metadataHeaders: readonly string[];
  #sending = 0;
  #closed = false;
  #idle: (() => void) | undefined;
  readonly #stopping = new AbortController();
  readonly #url: URL;
  /** Keep-alive connections to the sink, one per concurrent sender (each connects on first use). */
  readonly #connections: readonly SinkConnection[];
  /** The connections no sender holds now. */
  readonly #idleConnections: SinkConnection[];

  constructor(
    options: PayloadLoggingOptions,
    private readonly events: PayloadLoggerEvents,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.#options = options;
    this.mode = options.mode ?? 'all';
    this.#url = new URL(options.url);
    this.#head = new CloudEventRequestHead(this.#url, eventSource(options, env, hostname()));
    this.#capacity = options.queueSize ?? 1000;
    this.#concurrency = options.concurrency ?? 16;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#backoffMs = options.retryBackoffMs ?? 100;
    this.#timeoutMs = options.sendTimeoutMs ?? 5000;
    this.#metadataHeaders = (options.metadataHeaders ?? []).map((name) => name.toLowerCase());
    this.#connections = Array.from({ length: this.#concurrency }, () => new SinkConnection(this.#url, { timeoutMs: this.#timeoutMs }));
    this.#idleConnections = [...this.#connections];
    // A send cut off at the shutdown deadline fails now rather than at its timeout.
    this.#stopping.signal.addEventListener('abort', () => this.#closeConnections(), { once: true });
  }

  get logsRequests(): boolean {
    return this.mode !== 'response';
  }

  get logsResponses(): boolean {
    return this.mode !== 'request';
  }

  /** Events not yet delivered: queued or being sent. */
  get depth(): number {
    return this.#queue.length + this.#sending;
  }

  /** The allow-listed headers of a request, for the `metadata` attribute. */
  metadataOf(header: (name: string) => string | readonly string[] | undefined): Record<string, string[]> | undefined {
    if (this.#metadataHeaders.length === 0) return undefined;
    const metadata: Record<string, string[]> = {};
    for (const name of this.#metadataHeaders) {
      const value = header(name);
      if (value !== undefined) metadata[name] = typeof value === 'string' ? [value] : [...value];
    }
    return metadata;
  }

  logRequest(id: string, time: Date, contentType: string | undefined, body: Buffer, metadata: PayloadEvent['metadata']): void {
    if (this.logsRequests) this.#enqueue({ id, type: REQUEST_EVENT_TYPE, time, contentType, body, metadata });
  }

  logResponse(id: string, contentType: string | undefined, body: Buffer, metadata: PayloadEvent['metadata']): void {
    if (this.logsResponses) this.#enqueue({ id, type: RESPONSE_EVENT_TYPE, time: new Date(), contentType, body, metadata });
  }

  /**
   * Stops taking events and delivers what is queued, for at most `timeoutMs`; what is left then is
   * dropped and counted (shutdown must end before Kubernetes' grace period does).
   */
  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    if (this.depth > 0) {
      const drained = new Promise<void>((resolve) => (this.#idle = resolve));
      const timer = setTimeout(() => this.#stopping.abort(), timeoutMs);
      await drained;
      clearTimeout(timer);
    }
    this.#closeConnections();
  }

  #closeConnections(): void {
    for (const connection of this.#connections) connection.close();
  }

  #enqueue(event: PayloadEvent): void {
    if (this.#closed) {
      this.events.dropped('shutdown', 1);
      return;
    }
    if (this.#queue.length >= this.#capacity) {
      this.events.dropped('queue_full', 1);
      return;
    }
    this.#queue.push(event);
    if (this.#sending < this.#concurrency) void this.#drain();
  }

  /** One sender: takes events until the queue is empty, over a connection of its own. */
  async #drain(): Promise<void> {
    this.#sending++;
    // Never undefined: there are as many connections as senders.
    const connection = this.#idleConnections.pop()!;
    try {
      for (let event = this.#queue.shift(); event !== undefined; event = this.#queue.shift()) {
        if (this.#stopping.signal.aborted) {
          this.events.dropped('shutdown', 1);
          continue;
        }
        await this.#deliver(event, connection);
      }
    } finally {
      this.#idleConnections.push(connection);
      this.#sending--;
      if (this.#sending === 0 && this.#queue.length === 0) this.#idle?.();
    }
  }

  async #deliver(event: PayloadEvent, connection: SinkConnection): Promise<void> {
    let head: string;
    try {
      head = this.#head.build(event, new Date());
    } catch (error) {
      // Nothing a retry could change.
      this.events.dropped('send_failed', 1);
      this.events.failed?.(`event ${JSON.stringify(event.id)} (${event.type}) not sent to ${this.#options.url}: ${(error as Error).message}`);
      return;
    }
    let reason = '';
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      try {
        const status = await connection.send(attempt === 1 ? head : this.#head.build(event, new Date()), event.body);
        if (status >= 200 && status < 300) return;
        reason = `sink answered HTTP ${status}`;
        // A 4xx other than 408/429 will not change on a retry.
        if (status < 500 && status !== 408 && status !== 429) break;
      } catch (error) {
        reason = (error as Error).message;
      }
      if (this.#stopping.signal.aborted) {
        this.events.dropped('shutdown', 1);
        return;
      }
      if (attempt < this.#maxAttempts) {
        const delay = this.#backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
        await sleep(delay, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
      }
    }
    this.events.dropped(this.#stopping.signal.aborted ? 'shutdown' : 'send_failed', 1);
    this.events.failed?.(`event ${JSON.stringify(event.id)} (${event.type}) not delivered to ${this.#options.url}: ${reason}`);
  }
}
