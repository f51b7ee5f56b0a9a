import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';

/** What a scripted sink does with a request: answer these exact bytes, close the connection, or nothing. */
export type ScriptedAnswer = string | 'destroy' | undefined;

/**
 * A log sink on a raw TCP port whose answers are written out byte for byte, so every framing case
 * (chunked, close-delimited, Connection: close, cut short, malformed) goes on the wire as given. It
 * finds each request's end by its Content-Length and calls `answer` with the request's number
 * (from 1, across connections) and the request head.
 */
export class ScriptedSink {
  static readonly OK = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
  readonly server: Server;
  readonly sockets: Socket[] = [];
  readonly heads: string[] = [];

  private constructor(answer: (request: number, socket: Socket, head: string) => ScriptedAnswer) {
    this.server = createServer((socket) => {
      this.sockets.push(socket);
      let buffered = '';
      socket.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('latin1');
        for (;;) {
          const end = buffered.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = buffered.slice(0, end + 4);
          const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
          if (buffered.length < head.length + length) return;
          buffered = buffered.slice(head.length + length);
          this.heads.push(head);
          const reply = answer(this.heads.length, socket, head);
          if (reply === 'destroy') socket.destroy();
          else if (reply !== undefined) socket.write(reply, 'latin1');
        }
      });
      socket.on('error', () => undefined);
    });
  }

  static async start(answer: (request: number, socket: Socket, head: string) => ScriptedAnswer): Promise<ScriptedSink> {
    const sink = new ScriptedSink(answer);
    sink.server.listen(0, '127.0.0.1');
    await once(sink.server, 'listening');
    return sink;
  }

  /** Requests received so far, answered or not. */
  get requests(): number {
    return this.heads.length;
  }

  get url(): URL {
    const address = this.server.address();
    return new URL(`http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/events`);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }
}
