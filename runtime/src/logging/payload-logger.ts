import { hostname } from 'node:os';
import type { DropReason } from '../metrics/runtime-metrics';
import { eventSource, type PayloadEvent, REQUEST_EVENT_TYPE, RESPONSE_EVENT_TYPE } from './cloud-event';
import { CloudEventRequestHead } from './cloud-event-request-head';
import type { LogMode, PayloadLoggingOptions } from './payload-logging-options';
import { SinkConnection, type SinkRequest, SinkRequestError } from './sink-connection';

/** Where the logger reports what it could not deliver (the drop counter). */
export interface PayloadLoggerEvents {
  dropped(reason: DropReason, count: number): void;
  /** A send failed for good; the message says why (status or network error). */
  failed?(message: string): void;
}

/** An event on its way to the sink, and how often it was sent. */
interface Delivery {
  readonly event: PayloadEvent;
  attempt: number;
}

/**
 * The request logger: a bounded in-memory queue of CloudEvents, sent in batches over keep-alive
 * connections that pipeline, with retries and exponential backoff. `log()` only
 * enqueues, so a slow or unreachable sink never adds latency to a request: when the queue is full
 * the event is dropped and counted instead.
 *
 * Why batches: each event is its own POST (CloudEvents binary mode, as KServe's sink expects), and
 * a socket write to a loopback or sidecar peer costs the server tens of microseconds, as much as
 * serving a small model. An event waits up to `batchDelayMs` for others, and all of them go out in
 * one write on one connection. Delivery is at least once: after a connection breaks, the events it
 * carried are sent again though the sink may have taken some; they keep their `ce-id`, by which a
 * sink can tell a repeat.
 */
export class PayloadLogger {
  readonly mode: LogMode;
  readonly #options: PayloadLoggingOptions;
  readonly #head: CloudEventRequestHead;
  /** Events waiting to be sent, retries first. */
  readonly #queue: Delivery[] = [];
  readonly #capacity: number;
  readonly #maxAttempts: number;
  readonly #backoffMs: number;
  readonly #batchDelayMs: number;
  /** A queue this long is sent without waiting out the batch delay: it fills a connection. */
  readonly #fullBatch: number;
  readonly #metadataHeaders: readonly string[];
  readonly #connections: readonly SinkConnection[];
  /** Where the next batch starts looking for a connection, so connections with equal room take turns. */
  #nextConnection = 0;
  #inFlight = 0;
  /** Events waiting out a retry backoff, and their timers (cleared at the shutdown deadline). */
  readonly #backingOff = new Map<NodeJS.Timeout, Delivery>();
  #flushTimer: NodeJS.Timeout | undefined;
  #flushImmediate: NodeJS.Immediate | undefined;
  #closed = false;
  #stopped = false;
  #idle: (() => void) | undefined;

  constructor(
    options: PayloadLoggingOptions,
    private readonly events: PayloadLoggerEvents,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.#options = options;
    this.mode = options.mode ?? 'all';
    const url = new URL(options.url);
    this.#head = new CloudEventRequestHead(url, eventSource(options, env, hostname()));
    this.#capacity = wholeNumber('queueSize', options.queueSize ?? 1000, 1);
    this.#maxAttempts = wholeNumber('maxAttempts', options.maxAttempts ?? 3, 1);
    this.#backoffMs = wholeNumber('retryBackoffMs', options.retryBackoffMs ?? 100, 0);
    this.#batchDelayMs = wholeNumber('batchDelayMs', options.batchDelayMs ?? 5, 0);
    const pipelineDepth = wholeNumber('pipelineDepth', options.pipelineDepth ?? 64, 1);
    this.#fullBatch = pipelineDepth;
    const connectionOptions = { timeoutMs: wholeNumber('sendTimeoutMs', options.sendTimeoutMs ?? 5000, 1), maxInFlight: pipelineDepth };
    this.#connections = Array.from({ length: wholeNumber('connections', options.connections ?? 16, 1) }, () => new SinkConnection(url, connectionOptions));
    this.#metadataHeaders = (options.metadataHeaders ?? []).map((name) => name.toLowerCase());
  }

  get logsRequests(): boolean {
    return this.mode !== 'response';
  }

  get logsResponses(): boolean {
    return this.mode !== 'request';
  }

  /** Events not yet delivered: queued, backing off before a retry, or in flight. */
  get depth(): number {
    return this.#queue.length + this.#backingOff.size + this.#inFlight;
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
   * Stops taking events and delivers what is left at once, for at most `timeoutMs`; what is left
   * then is dropped and counted (shutdown must end before Kubernetes' grace period does).
   */
  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    if (this.depth > 0) {
      const drained = new Promise<void>((resolve) => (this.#idle = resolve));
      const timer = setTimeout(() => this.#stop(), timeoutMs);
      this.#flushSoon();
      await drained;
      clearTimeout(timer);
    }
    for (const connection of this.#connections) connection.close();
  }

  /** The shutdown deadline: what is queued or backing off is dropped, and sends in flight are cut off. */
  #stop(): void {
    this.#stopped = true;
    clearTimeout(this.#flushTimer);
    if (this.#flushImmediate !== undefined) clearImmediate(this.#flushImmediate);
    const dropped = this.#queue.length + this.#backingOff.size;
    this.#queue.length = 0;
    for (const timer of this.#backingOff.keys()) clearTimeout(timer);
    this.#backingOff.clear();
    if (dropped > 0) this.events.dropped('shutdown', dropped);
    // Each send in flight settles with an error, and is counted as it does.
    for (const connection of this.#connections) connection.close();
    this.#settledAll();
  }

  #enqueue(event: PayloadEvent): void {
    if (this.#closed) {
      this.events.dropped('shutdown', 1);
      return;
    }
    if (this.depth >= this.#capacity) {
      this.events.dropped('queue_full', 1);
      return;
    }
    this.#queue.push({ event, attempt: 1 });
    this.#flushSoon();
  }

  /** Sends the queue after the batch delay, or at the end of this event-loop turn when a batch is full or the logger is closing. */
  #flushSoon(): void {
    if (this.#flushImmediate !== undefined || this.#stopped) return;
    if (this.#closed || this.#batchDelayMs === 0 || this.#queue.length >= this.#fullBatch) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
      this.#flushImmediate = setImmediate(() => this.#flush());
    } else {
      this.#flushTimer ??= setTimeout(() => this.#flush(), this.#batchDelayMs);
    }
  }

  /**
   * Writes what is queued: each batch on the connection with the most room, so events share as few
   * writes as they can; connections with equal room take turns.
   */
  #flush(): void {
    this.#flushTimer = undefined;
    this.#flushImmediate = undefined;
    const recordedAt = new Date().toISOString();
    while (this.#queue.length > 0) {
      const connection = this.#roomiestConnection();
      if (connection === undefined) break;
      const room = connection.capacity;
      const batch: SinkRequest[] = [];
      while (batch.length < room && this.#queue.length > 0) {
        const request = this.#request(this.#queue.shift()!, recordedAt);
        if (request !== undefined) batch.push(request);
      }
      this.#inFlight += batch.length;
      connection.send(batch);
    }
    // What did not fit waits for an answer to make room (#settle flushes again).
    this.#settledAll();
  }

  #roomiestConnection(): SinkConnection | undefined {
    const connections = this.#connections;
    let best: SinkConnection | undefined;
    let bestIndex = 0;
    for (let turn = 0; turn < connections.length; turn++) {
      const index = (this.#nextConnection + turn) % connections.length;
      const connection = connections[index]!;
      if (connection.capacity > (best?.capacity ?? 0)) {
        best = connection;
        bestIndex = index;
      }
    }
    this.#nextConnection = (bestIndex + 1) % connections.length;
    return best;
  }

  /** The POST of one delivery, or undefined when the event cannot be sent at all (dropped and reported). */
  #request(delivery: Delivery, recordedAt: string): SinkRequest | undefined {
    let head: string;
    try {
      head = this.#head.build(delivery.event, recordedAt);
    } catch (error) {
      // Nothing a retry could change.
      this.#failed(delivery, `not sent to ${this.#options.url}: ${(error as Error).message}`);
      return undefined;
    }
    return { head, body: delivery.event.body, settle: (outcome) => this.#settle(delivery, outcome) };
  }

  #settle(delivery: Delivery, outcome: number | SinkRequestError): void {
    this.#inFlight--;
    if (typeof outcome === 'number' && outcome >= 200 && outcome < 300) {
      // Delivered.
    } else if (this.#stopped) {
      this.events.dropped('shutdown', 1);
    } else if (outcome instanceof SinkRequestError && outcome.unprocessed) {
      // The sink never read it: send it again, as the same try.
      this.#queue.unshift(delivery);
    } else {
      const reason = typeof outcome === 'number' ? `sink answered HTTP ${outcome}` : outcome.message;
      // A 4xx other than 408/429 will not change on a retry.
      const retriable = typeof outcome !== 'number' || outcome >= 500 || outcome === 408 || outcome === 429;
      if (retriable && delivery.attempt < this.#maxAttempts) {
        this.#retryLater(delivery);
      } else {
        this.#failed(delivery, `not delivered to ${this.#options.url}: ${reason}`);
      }
    }
    // Its place on the connection is free for what waits.
    if (this.#queue.length > 0) this.#flushSoon();
    this.#settledAll();
  }

  #retryLater(delivery: Delivery): void {
    const delayMs = this.#backoffMs * 2 ** (delivery.attempt - 1) * (0.5 + Math.random() / 2);
    delivery.attempt++;
    const timer = setTimeout(() => {
      this.#backingOff.delete(timer);
      this.#queue.unshift(delivery);
      this.#flushSoon();
    }, delayMs);
    this.#backingOff.set(timer, delivery);
  }

  #failed(delivery: Delivery, why: string): void {
    this.events.dropped('send_failed', 1);
    this.events.failed?.(`event ${JSON.stringify(delivery.event.id)} (${delivery.event.type}) ${why}`);
  }

  /** Wakes close() once nothing is left to deliver. */
  #settledAll(): void {
    if (this.#closed && this.depth === 0) this.#idle?.();
  }
}

/** An option's value when it is a whole number of at least `least`. @throws naming the option otherwise. */
function wholeNumber(option: keyof PayloadLoggingOptions, value: number, least: number): number {
  if (!Number.isSafeInteger(value) || value < least) throw new Error(`request logging: ${option} must be a whole number of at least ${least}, got ${value}`);
  return value;
}
