import * as net from 'node:net';
import * as tls from 'node:tls';
import { HttpResponseReader, type SinkResponse } from './http-response-reader';

/** Bodies up to this size are copied behind the head and sent in one write; larger ones go out corked. */
const COPY_BODY_BYTES = 64 * 1024;

export interface SinkConnectionOptions {
  /** How long a request may go without an answer, and an idle connection stay open. */
  readonly timeoutMs: number;
  /** TLS settings for an https sink, on top of Node's defaults (its CA store and NODE_EXTRA_CA_CERTS). */
  readonly tls?: tls.ConnectionOptions;
}

/** The request in flight and how to settle it. */
interface InFlight {
  readonly resolve: (status: number) => void;
  readonly reject: (error: Error) => void;
}

/**
 * One keep-alive HTTP/1.1 connection to the log sink, carrying one request at a time; the request
 * bytes come prebuilt (see CloudEventRequestHead), so sending one is a single socket write and
 * reading the answer a few string scans. node:http's ClientRequest and Agent machinery cost the
 * logger more CPU per event than everything else it does together; this is the part of it a
 * CloudEvents sender needs.
 *
 * Connects on first use and again after the sink closed the connection (`Connection: close`, a
 * restart, an idle timeout). Any failure (refused, reset, closed before the answer, timed out, a
 * malformed answer) rejects the request in flight and closes the connection; retrying is the
 * caller's decision, since a POST is not idempotent. An idle connection does not hold the process
 * open.
 *
 * No HTTP/1.1 pipelining, on purpose. It would let one write carry several events, but a broken
 * connection would then retry every event in flight, some of which the sink may have taken (RFC
 * 9112 §9.3.2 advises against pipelining non-idempotent requests for that reason), and a proxy in
 * front of the sink (Envoy, so an Istio sidecar) finishes each pipelined request before reading the
 * next (envoyproxy/envoy#10978), so the sink side gains nothing. Tried as an opt-in with events
 * batched per write, it saved about a quarter of the logger's CPU per event in the 2-core bench,
 * within that machine's noise: not worth a flag with those caveats.
 */
export class SinkConnection {
  readonly #url: URL;
  readonly #options: SinkConnectionOptions;
  #socket: net.Socket | undefined;
  #inFlight: InFlight | undefined;

  constructor(url: URL, options: SinkConnectionOptions) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`the log sink ${url.href} is not an http:// or https:// URL`);
    this.#url = url;
    this.#options = options;
  }

  /** Sends one request (head as latin1 text, then body) and resolves with the sink's status. */
  send(head: string, body: Buffer): Promise<number> {
    if (this.#inFlight !== undefined) return Promise.reject(new Error('SinkConnection.send: a request is already in flight on this connection'));
    const socket = this.#socket ?? this.#connect();
    socket.ref();
    return new Promise<number>((resolve, reject) => {
      this.#inFlight = { resolve, reject };
      if (body.length <= COPY_BODY_BYTES) {
        const request = Buffer.allocUnsafe(head.length + body.length);
        request.write(head, 0, 'latin1');
        body.copy(request, head.length);
        socket.write(request);
      } else {
        socket.cork();
        socket.write(head, 'latin1');
        socket.write(body);
        socket.uncork();
      }
    });
  }

  /** Closes the connection; a request in flight fails. */
  close(): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    this.#fail(new Error('the log sink connection was closed'));
    socket.destroy();
  }

  #connect(): net.Socket {
    const url = this.#url;
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const secure = url.protocol === 'https:';
    const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
    const socket = secure
      ? tls.connect({ host, port, ALPNProtocols: ['http/1.1'], ...(net.isIP(host) === 0 ? { servername: host } : {}), ...this.#options.tls })
      : net.connect({ host, port });
    socket.setNoDelay(true);
    socket.setTimeout(this.#options.timeoutMs);
    const reader = new HttpResponseReader();
    this.#socket = socket;
    let lastError: Error | undefined;
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, (response) => this.#answered(socket, response));
      } catch (error) {
        this.#fail(error as Error);
        socket.destroy();
      }
    });
    socket.on('timeout', () => {
      this.#fail(new Error(`the log sink did not answer within ${this.#options.timeoutMs} ms`));
      socket.destroy();
    });
    socket.on('error', (error) => (lastError = error));
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      if (this.#inFlight === undefined) return;
      try {
        this.#answered(socket, reader.end());
      } catch (error) {
        this.#fail(lastError ?? (error as Error));
      }
    });
    return socket;
  }

  #answered(socket: net.Socket, response: SinkResponse): void {
    const inFlight = this.#inFlight;
    if (inFlight === undefined) {
      this.#socket = undefined;
      socket.destroy();
      return;
    }
    this.#inFlight = undefined;
    if (response.keepAlive) {
      socket.unref();
    } else {
      this.#socket = undefined;
      socket.destroy();
    }
    inFlight.resolve(response.status);
  }

  #fail(error: Error): void {
    const inFlight = this.#inFlight;
    this.#inFlight = undefined;
    this.#socket = undefined;
    inFlight?.reject(error);
  }
}
