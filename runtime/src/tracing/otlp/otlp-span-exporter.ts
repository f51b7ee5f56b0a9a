import * as http from 'node:http';
import type * as https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { OtlpCompression } from '../otel-environment';
import type { FinishedSpan } from '../span';
import { type ExportRequestFrame, writeSpan } from './otlp-trace-encoding';
import { rejectedSpans } from './otlp-response';
import { ProtobufWriter } from './protobuf-writer';

/** Why spans were not exported: the queue was full, the collector refused them, or kept failing. */
export type SpanDropReason = 'queue_full' | 'rejected' | 'export_failed';

/** Where the exporter reports what it could not deliver. */
export interface SpanExportEvents {
  spansDropped(reason: SpanDropReason, count: number): void;
  /** A failed or partly refused export, as one line. */
  problem(message: string): void;
}

export interface OtlpSpanExporterOptions {
  /** The OTLP/HTTP traces URL (`…/v1/traces`). */
  readonly url: URL;
  /** Sent with every export (authentication for a hosted collector, say). */
  readonly headers?: Readonly<Record<string, string>>;
  /** @default 'none' — 'gzip' compresses each export body (off the event loop, in libuv's pool) */
  readonly compression?: OtlpCompression;
  /** @default 1000 — how long a span may wait for its batch to fill */
  readonly scheduledDelayMs?: number;
  /** @default 512 */
  readonly maxBatchSpans?: number;
  /** @default 2048 — spans waiting beside the export in flight; past that, new spans are dropped */
  readonly maxQueuedSpans?: number;
  /** @default 10000 — OTLP's default export timeout */
  readonly timeoutMs?: number;
  /** @default 5 — tries of one batch when the collector is unreachable or answers 429/502/503/504 */
  readonly maxAttempts?: number;
  /** @default 1000 — first retry delay, doubled per retry (with jitter), at most 5 s */
  readonly retryBackoffMs?: number;
}

interface Batch {
  readonly bytes: Buffer;
  readonly spans: number;
}

/** OTLP/HTTP answers that mean "try again later" (the OTLP specification's retryable codes). */
const RETRYABLE = new Set([429, 502, 503, 504]);
const MAX_BACKOFF_MS = 5000;
const MAX_RESPONSE_BYTES = 64 * 1024;
const gzip = promisify(gzipCallback);
/**
 * Ended spans wait as objects until this many are there, then are encoded in one go. Encoding each
 * span as it ended cost the server 5–15 µs more per traced request (four spans) than encoding 64 at
 * a time (four paired steady-state runs of the iris server), though the encoding itself is about 1.3 µs:
 * interleaved with request handling, the encoder ran cold. 64 spans (16 requests) are a millisecond
 * or two of traffic, short enough for the objects to die young.
 */
export const ENCODE_RUN = 64;

/**
 * Exports spans over OTLP/HTTP with protobuf bodies, in batches, off the request path. Ended spans
 * are encoded into the open batch in runs of {@link ENCODE_RUN}, so what waits for export is bytes,
 * not objects the garbage collector would have to carry into its old generation. A batch goes out
 * when it holds `maxBatchSpans`, or `scheduledDelayMs` after its first span; one export is in
 * flight at a time.
 * Spans past `maxQueuedSpans`, batches the collector refuses, and batches still failing after
 * `maxAttempts` are dropped and reported, never silently.
 */
export class OtlpSpanExporter {
  readonly #frame: ExportRequestFrame;
  readonly #url: URL;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #gzip: boolean;
  readonly #events: SpanExportEvents;
  readonly #scheduledDelayMs: number;
  readonly #maxBatchSpans: number;
  readonly #maxQueuedSpans: number;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #retryBackoffMs: number;
  #open: ProtobufWriter | undefined;
  /** Spans of the open batch: those encoded into `#open` and those still in `#unencoded`. */
  #openSpans = 0;
  /** Ended spans of the open batch not yet encoded (fewer than {@link ENCODE_RUN}). */
  readonly #unencoded: FinishedSpan[] = [];
  readonly #sealed: Batch[] = [];
  /** Spans in the open batch and the sealed ones (not the one in flight). */
  #queuedSpans = 0;
  #inFlight: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;
  #agent: http.Agent | undefined;

  constructor(frame: ExportRequestFrame, options: OtlpSpanExporterOptions, events: SpanExportEvents) {
    if (options.url.protocol !== 'http:' && options.url.protocol !== 'https:') throw new Error(`the OTLP endpoint ${options.url.href} is not an http:// or https:// URL`);
    this.#frame = frame;
    this.#url = options.url;
    this.#gzip = options.compression === 'gzip';
    this.#headers = { ...options.headers, ...(this.#gzip ? { 'content-encoding': 'gzip' } : {}) };
    this.#events = events;
    this.#scheduledDelayMs = options.scheduledDelayMs ?? 1000;
    this.#maxBatchSpans = options.maxBatchSpans ?? 512;
    this.#maxQueuedSpans = options.maxQueuedSpans ?? 2048;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#retryBackoffMs = options.retryBackoffMs ?? 1000;
  }

  /**
   * Queues an ended span for export, or drops and counts it when the queue is full. The span is
   * encoded later, with the next run of spans: it must not change after this call.
   */
  add(span: FinishedSpan): void {
    if (this.#queuedSpans >= this.#maxQueuedSpans) {
      this.#events.spansDropped('queue_full', 1);
      return;
    }
    this.#unencoded.push(span);
    if (this.#unencoded.length >= ENCODE_RUN) this.#encodeUnencoded();
    this.#openSpans++;
    this.#queuedSpans++;
    if (this.#openSpans >= this.#maxBatchSpans) {
      this.#seal();
      this.#pump();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#seal();
        this.#pump();
      }, this.#scheduledDelayMs).unref();
    }
  }

  /** Exports every span queued so far; resolves when none is left (exported or dropped). */
  async flush(): Promise<void> {
    this.#seal();
    this.#pump();
    while (this.#inFlight !== undefined) await this.#inFlight;
  }

  /** Exports what is queued, one try per batch (no waiting for a collector to recover), then closes the connection. */
  async shutdown(): Promise<void> {
    this.#stopping = true;
    await this.flush();
    this.#agent?.destroy();
  }

  #encodeUnencoded(): void {
    // About 200 bytes a span: a full batch fits without growing the buffer.
    this.#open ??= new ProtobufWriter(this.#maxBatchSpans * 256);
    for (const span of this.#unencoded) writeSpan(this.#open, span);
    this.#unencoded.length = 0;
  }

  #seal(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#unencoded.length > 0) this.#encodeUnencoded();
    if (this.#open === undefined || this.#openSpans === 0) return;
    this.#sealed.push({ bytes: this.#open.bytes(), spans: this.#openSpans });
    this.#open = undefined;
    this.#openSpans = 0;
  }

  #pump(): void {
    if (this.#inFlight !== undefined) return;
    const batch = this.#sealed.shift();
    if (batch === undefined) return;
    this.#queuedSpans -= batch.spans;
    this.#inFlight = this.#export(batch).finally(() => {
      this.#inFlight = undefined;
      this.#pump();
    });
  }

  async #export(batch: Batch): Promise<void> {
    const request = [this.#frame.head(batch.bytes.length), batch.bytes];
    let body: readonly Buffer[];
    try {
      body = this.#gzip ? [await gzip(Buffer.concat(request))] : request;
    } catch (error) {
      this.#events.spansDropped('export_failed', batch.spans);
      this.#events.problem(`export of ${batch.spans} spans not compressed: ${(error as Error).message}`);
      return;
    }
    let reason = '';
    const attempts = this.#stopping ? 1 : this.#maxAttempts;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let retryAfterMs = 0;
      try {
        const answer = await this.#post(body);
        if (answer.status >= 200 && answer.status < 300) {
          const { rejected, message } = rejectedSpans(answer.body);
          if (rejected > 0) {
            this.#events.spansDropped('rejected', rejected);
            this.#events.problem(`the collector at ${this.#url.href} rejected ${rejected} of ${batch.spans} spans${message === '' ? '' : `: ${message}`}`);
          }
          return;
        }
        reason = `HTTP ${answer.status}${answer.body.length > 0 ? `: ${answer.body.toString('utf8', 0, 200)}` : ''}`;
        if (!RETRYABLE.has(answer.status)) {
          this.#events.spansDropped('rejected', batch.spans);
          this.#events.problem(`export of ${batch.spans} spans to ${this.#url.href} refused: ${reason}`);
          return;
        }
        retryAfterMs = answer.retryAfterMs;
      } catch (error) {
        reason = (error as Error).message;
      }
      // Shutting down: no time left to wait for a collector to recover.
      if (attempt === attempts || this.#stopping) break;
      const backoff = Math.min(MAX_BACKOFF_MS, this.#retryBackoffMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await sleep(Math.min(MAX_BACKOFF_MS, Math.max(backoff, retryAfterMs)), undefined, { ref: false });
    }
    this.#events.spansDropped('export_failed', batch.spans);
    this.#events.problem(`export of ${batch.spans} spans to ${this.#url.href} failed: ${reason}`);
  }

  async #post(body: readonly Buffer[]): Promise<{ status: number; body: Buffer; retryAfterMs: number }> {
    const client = await this.#client();
    const length = body.reduce((total, part) => total + part.length, 0);
    return new Promise((resolve, reject) => {
      const request = client.request(this.#url, {
        method: 'POST',
        agent: this.#agent,
        headers: { ...this.#headers, 'content-type': 'application/x-protobuf', 'content-length': length },
      });
      request.setTimeout(this.#timeoutMs, () => request.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)));
      request.on('error', reject);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () => {
          const retryAfter = Number(response.headers['retry-after']);
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks), retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : 0 });
        });
      });
      for (const part of body) request.write(part);
      request.end();
    });
  }

  /** node:http, or node:https loaded on first use (a REST-only server never loads TLS otherwise). */
  async #client(): Promise<typeof http | typeof https> {
    if (this.#url.protocol === 'https:') {
      const secure = await import('node:https');
      this.#agent ??= new secure.Agent({ keepAlive: true, maxSockets: 1 });
      return secure;
    }
    this.#agent ??= new http.Agent({ keepAlive: true, maxSockets: 1 });
    return http;
  }
}
