import { connect, type Socket } from 'node:net';

/**
 * A keep-alive HTTP/1.1 connection that sends one prebuilt request at a time and reads the answer by
 * its Content-Length: the least CPU a load generator can spend per request in Node. The benchmarks'
 * callers share the machine's two cores with the server, so a client that costs as much as the
 * server (node:http's client does) halves what the server can show and flattens every ratio. Both
 * sides of a comparison use this client, so it is a fair one; it is a load generator, not a general
 * HTTP client (no chunked bodies, no redirects, one request in flight per connection).
 */
export class RawHttpConnection {
  readonly #socket: Socket;
  #buffered: Buffer = Buffer.alloc(0);
  #pending: { resolve: (status: number) => void; reject: (error: Error) => void } | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('connection closed by the server')));
  }

  static open(host: string, port: number): Promise<RawHttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => {
        socket.off('error', reject);
        resolve(new RawHttpConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends `request` (a whole HTTP/1.1 request, head and body) and resolves with the status code. */
  send(request: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#socket.write(request);
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    const headEnd = this.#buffered.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.#buffered.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length === null) {
      this.#fail(new Error(`response without Content-Length: ${head.slice(0, 200)}`));
      return;
    }
    const end = headEnd + 4 + Number(length[1]);
    if (this.#buffered.length < end) return;
    this.#buffered = this.#buffered.subarray(end);
    const status = Number(head.slice(9, 12));
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve(status);
  }

  #fail(error: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }
}

/** The bytes of one POST, built once and sent as they are on every call. */
export function rawPost(host: string, port: number, path: string, headers: Record<string, string>, body: Buffer): Buffer {
  const lines = [`POST ${path} HTTP/1.1`, `host: ${host}:${port}`, `content-length: ${body.length}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}
