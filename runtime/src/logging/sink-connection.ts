import * as net from 'node:net';
import * as tls from 'node:tls';
import { HttpResponseReader, type SinkResponse } from './http-response-reader';

/** Requests of a batch up to this many bytes in all are copied into one buffer; larger batches go out corked. */
const COPY_BATCH_BYTES = 256 * 1024;

export interface SinkConnectionOptions {
  /** How long a request may go without an answer, and an idle connection stay open. */
  readonly timeoutMs: number;
  /**
   * Requests written ahead of their answers once the sink has shown that it keeps the connection
   * open; 1 sends one request at a time.
   */
  readonly maxInFlight: number;
  /** TLS settings for an https sink, on top of Node's defaults (its CA store and NODE_EXTRA_CA_CERTS). */
  readonly tls?: tls.ConnectionOptions;
}

/** One POST to the sink: its head (latin1 text ending in the blank line), its body, and who learns the outcome. */
export interface SinkRequest {
  readonly head: string;
  readonly body: Buffer;
  /** Called once: with the sink's status, or with why there is none. */
  settle(outcome: number | SinkRequestError): void;
}

/** Why a request got no answer. */
export class SinkRequestError extends Error {
  /**
   * @param unprocessed the sink closed the connection ahead of this request after saying it would
   *   (an answer without keep-alive), so it never read it (RFC 9112 §9.6): sending it again cannot
   *   deliver it twice.
   */
  constructor(
    message: string,
    readonly unprocessed: boolean,
  ) {
    super(message);
  }
}

/**
 * One keep-alive HTTP/1.1 connection to the log sink that pipelines: a batch of requests goes out in
 * one socket write behind those still unanswered, and the answers settle them in order. The request
 * bytes come prebuilt (see CloudEventRequestHead) and reading an answer is a few string scans:
 * node:http's ClientRequest and Agent machinery cost the logger more CPU per event than everything
 * else it does together. On a loopback or sidecar hop each write costs tens of microseconds of
 * kernel time, so carrying many events per write is what keeps logging cheap (see PayloadLogger).
 *
 * A new connection carries one request until its answer shows that the sink keeps connections open;
 * only then does it pipeline, so a sink that closes after every answer gets one request per
 * connection. Requests behind an answer that closes the connection were never read by the sink and
 * fail as `unprocessed`. Any other failure (refused, reset, closed before the answers, timed out, a
 * malformed answer) fails every request in flight and closes the connection; retrying is the
 * caller's decision, since the sink may have taken some of them (a POST is not idempotent: RFC 9112
 * §9.3.2). Proxies serve pipelined requests one after another (Envoy, so an Istio sidecar, does:
 * envoyproxy/envoy#10978), which is all the sink needs. Connects on first use and again after the
 * sink closed the connection; an idle connection does not hold the process open.
 */
export class SinkConnection {
  readonly #url: URL;
  readonly #options: SinkConnectionOptions;
  #socket: net.Socket | undefined;
  /** The sink answered on this socket and kept it open: requests may be pipelined. */
  #keepsAlive = false;
  /** Requests written on this socket and not answered yet, oldest first, with when each was written. */
  readonly #inFlight: SinkRequest[] = [];
  readonly #sentAt: number[] = [];
  #deadline: NodeJS.Timeout | undefined;

  constructor(url: URL, options: SinkConnectionOptions) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`the log sink ${url.href} is not an http:// or https:// URL`);
    if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1) throw new Error(`SinkConnection: maxInFlight must be a whole number of at least 1, got ${options.maxInFlight}`);
    this.#url = url;
    this.#options = options;
  }

  /** Requests sent and not answered yet. */
  get inFlight(): number {
    return this.#inFlight.length;
  }

  /** How many more requests may be sent now. */
  get capacity(): number {
    if (this.#socket === undefined || !this.#keepsAlive) return this.#inFlight.length === 0 ? 1 : 0;
    return this.#options.maxInFlight - this.#inFlight.length;
  }

  /**
   * Writes the requests in one socket write, behind those in flight.
   * @throws when they are more than `capacity`.
   */
  send(requests: readonly SinkRequest[]): void {
    if (requests.length === 0) return;
    if (requests.length > this.capacity) throw new Error(`SinkConnection.send: ${requests.length} requests, room for ${this.capacity}`);
    const socket = this.#socket ?? this.#connect();
    if (this.#inFlight.length === 0) {
      socket.ref();
      this.#armDeadline(this.#options.timeoutMs);
    }
    const now = performance.now();
    let bytes = 0;
    for (const request of requests) {
      this.#inFlight.push(request);
      this.#sentAt.push(now);
      bytes += request.head.length + request.body.length;
    }
    if (bytes <= COPY_BATCH_BYTES) {
      const batch = Buffer.allocUnsafe(bytes);
      let offset = 0;
      for (const request of requests) {
        offset += batch.write(request.head, offset, 'latin1');
        offset += request.body.copy(batch, offset);
      }
      socket.write(batch);
    } else {
      socket.cork();
      for (const request of requests) {
        socket.write(request.head, 'latin1');
        socket.write(request.body);
      }
      socket.uncork();
    }
  }

  /** Closes the connection; requests in flight fail. */
  close(): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    this.#detach(new SinkRequestError('the log sink connection was closed', false));
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
    // Closes a connection left idle; a request without an answer has its own deadline.
    socket.setTimeout(this.#options.timeoutMs);
    const reader = new HttpResponseReader();
    this.#socket = socket;
    this.#keepsAlive = false;
    let lastError: Error | undefined;
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, (response) => this.#answered(socket, response));
      } catch (error) {
        if (this.#socket === socket) this.#detach(new SinkRequestError((error as Error).message, false));
        socket.destroy();
      }
    });
    socket.on('timeout', () => {
      if (this.#socket !== socket || this.#inFlight.length > 0) return;
      this.#forgetSocket();
      socket.destroy();
    });
    socket.on('error', (error) => (lastError = error));
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      if (this.#inFlight.length === 0) {
        this.#forgetSocket();
        return;
      }
      try {
        // An answer whose body ran to the close completes now; it carries no keep-alive, so
        // #answered fails what is behind it as never read.
        this.#answered(socket, reader.end());
      } catch (error) {
        this.#detach(new SinkRequestError((lastError ?? (error as Error)).message, false));
      }
    });
    return socket;
  }

  #answered(socket: net.Socket, response: SinkResponse): void {
    if (this.#socket !== socket) return;
    const request = this.#inFlight.shift();
    this.#sentAt.shift();
    if (request === undefined) {
      // An answer to nothing: the connection cannot be trusted.
      this.#forgetSocket();
      socket.destroy();
      return;
    }
    if (response.keepAlive) {
      this.#keepsAlive = true;
      if (this.#inFlight.length === 0) {
        socket.unref();
        clearTimeout(this.#deadline);
        this.#deadline = undefined;
      }
    } else {
      this.#detach(new SinkRequestError(`the sink closed the connection after answering an earlier request (HTTP ${response.status}, no keep-alive)`, true));
      socket.destroy();
    }
    request.settle(response.status);
  }

  /** Fires when the oldest request in flight may have waited too long; moves on when it has not. */
  #armDeadline(delayMs: number): void {
    clearTimeout(this.#deadline);
    this.#deadline = setTimeout(() => {
      this.#deadline = undefined;
      const oldest = this.#sentAt[0];
      if (oldest === undefined) return;
      const left = oldest + this.#options.timeoutMs - performance.now();
      if (left > 0) {
        this.#armDeadline(left);
        return;
      }
      const socket = this.#socket;
      this.#detach(new SinkRequestError(`the log sink did not answer within ${this.#options.timeoutMs} ms`, false));
      socket?.destroy();
    }, delayMs);
    this.#deadline.unref();
  }

  /** Forgets the socket (the next send connects again) and its answer deadline. */
  #forgetSocket(): void {
    this.#socket = undefined;
    this.#keepsAlive = false;
    clearTimeout(this.#deadline);
    this.#deadline = undefined;
  }

  /** Forgets the socket and fails every request in flight with `error`. */
  #detach(error: SinkRequestError): void {
    this.#forgetSocket();
    const failed = this.#inFlight.splice(0);
    this.#sentAt.length = 0;
    for (const request of failed) request.settle(error);
  }
}
