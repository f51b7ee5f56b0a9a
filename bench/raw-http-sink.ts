import { createServer, type Server, type Socket } from 'node:net';

const ACCEPTED = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n', 'latin1');
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const CONTENT_LENGTH = /^content-length:[ \t]*(\d+)[ \t]*$/im;

/**
 * A loopback HTTP/1.1 endpoint that answers every request 200 with an empty body and counts them:
 * the benchmark's CloudEvents sink. It stands for a sink on another machine, so it should take as
 * little as possible of the two cores the server under test shares with it: node:http's server
 * costs tens of microseconds per event here, which the server then cannot use. Load-generator
 * grade, like RawHttpConnection: requests must carry a Content-Length (the runtime's logger always
 * sends one); anything else closes the connection and is counted as malformed, so the benchmark
 * can tell.
 */
export class RawHttpSink {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #received = 0;
  #malformed = 0;

  private constructor(server: Server) {
    this.#server = server;
    server.on('connection', (socket) => this.#serve(socket));
  }

  static async listen(): Promise<RawHttpSink> {
    const sink = new RawHttpSink(createServer());
    await new Promise<void>((resolve) => sink.#server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  get url(): string {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the sink is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Requests answered so far. */
  received(): number {
    return this.#received;
  }

  /** Connections closed because a request had no Content-Length or an unreadable head. */
  malformed(): number {
    return this.#malformed;
  }

  close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered: Buffer = Buffer.alloc(0);
    /** Body bytes of the current request still to skip. */
    let skipping = 0;
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      let answers = 0;
      for (;;) {
        if (skipping > 0) {
          const skipped = Math.min(skipping, buffered.length);
          skipping -= skipped;
          buffered = buffered.subarray(skipped);
          if (skipping > 0) break;
          answers++;
          continue;
        }
        const headEnd = buffered.indexOf(HEAD_END);
        if (headEnd < 0) break;
        const length = CONTENT_LENGTH.exec(buffered.toString('latin1', 0, headEnd))?.[1];
        if (length === undefined) {
          this.#malformed++;
          socket.destroy();
          return;
        }
        buffered = buffered.subarray(headEnd + HEAD_END.length);
        skipping = Number(length);
        if (skipping === 0) answers++;
      }
      if (answers > 0) {
        this.#received += answers;
        socket.write(answers === 1 ? ACCEPTED : Buffer.concat(Array.from({ length: answers }, () => ACCEPTED)));
      }
    });
  }
}
