import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Socket } from 'node:net';
import { SinkConnection, type SinkConnectionOptions, SinkRequestError } from '../../../runtime/src/logging/sink-connection';
import { ScriptedSink } from '../helpers/scripted-sink';
import { makeTestCertificates } from '../helpers/tls';

const HEAD = 'POST /events HTTP/1.1\r\nhost: sink\r\ncontent-length: 5\r\n\r\n';
const BODY = Buffer.from('hello');

const OK = ScriptedSink.OK;

/** Sends the requests as one batch; one promise per request, for its status. */
function sendAll(connection: SinkConnection, count: number, body = BODY, head = HEAD): Promise<number>[] {
  const answers: Promise<number>[] = [];
  const requests = Array.from({ length: count }, () => {
    let settle!: (outcome: number | SinkRequestError) => void;
    answers.push(new Promise<number>((resolve, reject) => (settle = (outcome) => (typeof outcome === 'number' ? resolve(outcome) : reject(outcome)))));
    return { head, body, settle };
  });
  connection.send(requests);
  return answers;
}

function sendOne(connection: SinkConnection, body = BODY, head = HEAD): Promise<number> {
  return sendAll(connection, 1, body, head)[0]!;
}

function connectionTo(url: URL, options: Partial<SinkConnectionOptions> = {}): SinkConnection {
  return new SinkConnection(url, { timeoutMs: 5000, maxInFlight: 8, ...options });
}

describe('SinkConnection against a real socket', () => {
  let sink: ScriptedSink | undefined;
  let connection: SinkConnection | undefined;
  afterEach(async () => {
    connection?.close();
    await sink?.stop();
    sink = undefined;
    connection = undefined;
  });

  it('sends the request bytes as given and reuses one connection for request after request', async () => {
    let received = '';
    sink = await ScriptedSink.start(() => OK);
    sink.server.on('connection', (socket: Socket) => socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1'))));
    connection = connectionTo(sink.url);
    for (let i = 0; i < 3; i++) expect(await sendOne(connection)).toBe(200);
    expect(sink.sockets).toHaveLength(1);
    expect(received).toBe(`${HEAD}hello`.repeat(3));
  });

  it('sends a body too large to copy behind the head intact', async () => {
    const body = Buffer.alloc(300 * 1024, 7);
    let bytes = 0;
    const server = createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes === HEAD.length + body.length) socket.write(OK);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    connection = connectionTo(new URL(`http://127.0.0.1:${port}/`));
    try {
      expect(await sendOne(connection, body)).toBe(200);
      expect(bytes).toBe(HEAD.length + body.length);
    } finally {
      connection.close();
      server.close();
    }
  });

  it('reads a chunked answer and keeps the connection for the next request', async () => {
    sink = await ScriptedSink.start((request) => `HTTP/1.1 ${request === 1 ? 201 : 202} Created\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nokay\r\n0\r\n\r\n`);
    connection = connectionTo(sink.url);
    expect(await sendOne(connection)).toBe(201);
    expect(await sendOne(connection)).toBe(202);
    expect(sink.sockets).toHaveLength(1);
  });

  it('opens a new connection after the sink answered with Connection: close', async () => {
    sink = await ScriptedSink.start(() => 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    connection = connectionTo(sink.url);
    expect(await sendOne(connection)).toBe(200);
    expect(await sendOne(connection)).toBe(200);
    expect(sink.sockets).toHaveLength(2);
  });

  it('fails the request when the sink closes mid-request, then connects again for the next one', async () => {
    sink = await ScriptedSink.start((request) => (request === 1 ? 'destroy' : OK));
    connection = connectionTo(sink.url);
    await expect(sendOne(connection)).rejects.toThrow('the sink closed the connection before answering');
    expect(await sendOne(connection)).toBe(200);
    expect(sink.sockets).toHaveLength(2);
  });

  it('fails the request when the sink cuts its answer short', async () => {
    sink = await ScriptedSink.start((_request, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf');
      return undefined;
    });
    connection = connectionTo(sink.url);
    await expect(sendOne(connection)).rejects.toThrow('the sink closed the connection in the middle of its answer');
  });

  it('reads an answer whose body runs to the close of the connection', async () => {
    sink = await ScriptedSink.start((_request, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\naccepted');
      return undefined;
    });
    connection = connectionTo(sink.url);
    expect(await sendOne(connection)).toBe(200);
  });

  it('fails a malformed answer with the reader\'s message and closes that connection', async () => {
    sink = await ScriptedSink.start((request) => (request === 1 ? 'HTTP/1.1 OK\r\n\r\n' : OK));
    connection = connectionTo(sink.url);
    await expect(sendOne(connection)).rejects.toThrow('the sink answered with a malformed status line: "HTTP/1.1 OK"');
    expect(await sendOne(connection)).toBe(200);
    expect(sink.sockets).toHaveLength(2);
  });

  it('fails a request the sink does not answer within the timeout', async () => {
    sink = await ScriptedSink.start(() => undefined);
    connection = connectionTo(sink.url, { timeoutMs: 200 });
    await expect(sendOne(connection)).rejects.toThrow('the log sink did not answer within 200 ms');
  });

  it('fails with the network error when nothing listens', async () => {
    sink = await ScriptedSink.start(() => OK);
    const url = sink.url;
    await sink.stop();
    sink = undefined;
    connection = connectionTo(url);
    await expect(sendOne(connection)).rejects.toThrow(`connect ECONNREFUSED 127.0.0.1:${url.port}`);
  });

  it('carries one request on a new connection until the sink shows it keeps it open, then pipelines a batch in one write', async () => {
    const chunks: string[] = [];
    sink = await ScriptedSink.start(() => OK);
    sink.server.on('connection', (socket: Socket) => socket.on('data', (chunk: Buffer) => chunks.push(chunk.toString('latin1'))));
    connection = connectionTo(sink.url, { maxInFlight: 3 });
    expect(connection.capacity).toBe(1);
    const first = sendOne(connection);
    expect(connection.capacity).toBe(0);
    expect(() => sendAll(connection!, 1)).toThrow('SinkConnection.send: 1 requests, room for 0');
    expect(await first).toBe(200);
    expect(connection.capacity).toBe(3);
    expect(await Promise.all(sendAll(connection, 3))).toEqual([200, 200, 200]);
    expect(chunks).toEqual([`${HEAD}hello`, `${HEAD}hello`.repeat(3)]);
    expect(sink.sockets).toHaveLength(1);
  });

  it('fails the requests behind an answer that closes the connection as unprocessed, and connects again', async () => {
    sink = await ScriptedSink.start((request) => (request === 2 ? 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n' : OK));
    connection = connectionTo(sink.url);
    expect(await sendOne(connection)).toBe(200);
    const [second, third, fourth] = sendAll(connection, 3);
    expect(await second).toBe(200);
    for (const behind of [third, fourth]) {
      const error = await behind!.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SinkRequestError);
      expect(error).toMatchObject({ unprocessed: true, message: 'the sink closed the connection after answering an earlier request (HTTP 200, no keep-alive)' });
    }
    expect(connection.capacity).toBe(1);
    expect(await sendOne(connection)).toBe(200);
    expect(sink.sockets).toHaveLength(2);
  });

  it('fails every request in flight when the sink resets the connection, none of them as unprocessed', async () => {
    sink = await ScriptedSink.start((request) => (request === 1 ? OK : request === 3 ? 'destroy' : undefined));
    connection = connectionTo(sink.url);
    expect(await sendOne(connection)).toBe(200);
    const outcomes = await Promise.all(sendAll(connection, 3).map((answer) => answer.catch((caught: unknown) => caught)));
    for (const outcome of outcomes) {
      expect(outcome).toBeInstanceOf(SinkRequestError);
      expect((outcome as SinkRequestError).unprocessed).toBe(false);
    }
    expect(connection.inFlight).toBe(0);
  });

  it('times a pipelined request out from when it was written, not from the last bytes on the connection', async () => {
    // The sink answers the probe, then nothing: a request written later must not extend the first one's time.
    sink = await ScriptedSink.start((request) => (request === 1 ? OK : undefined));
    connection = connectionTo(sink.url, { timeoutMs: 300 });
    expect(await sendOne(connection)).toBe(200);
    const started = performance.now();
    const first = sendOne(connection).catch((caught: unknown) => caught);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = sendOne(connection).catch((caught: unknown) => caught);
    expect(await first).toMatchObject({ message: 'the log sink did not answer within 300 ms' });
    // Both failed together when the first ran out (the second was behind it on the same connection).
    expect(await second).toMatchObject({ message: 'the log sink did not answer within 300 ms' });
    expect(performance.now() - started).toBeLessThan(450);
  });

  it('refuses a sink URL that is not http(s), and a depth that is not a whole number of at least 1', () => {
    expect(() => connectionTo(new URL('ftp://sink/events'))).toThrow('the log sink ftp://sink/events is not an http:// or https:// URL');
    expect(() => connectionTo(new URL('http://sink/events'), { maxInFlight: 0 })).toThrow('SinkConnection: maxInFlight must be a whole number of at least 1, got 0');
  });

  it('speaks TLS to an https sink, verifying its certificate against the CA it is given', async () => {
    const certificates = await makeTestCertificates();
    const server = createHttpsServer({ key: certificates.serverKey, cert: certificates.serverCert }, (request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(request.method === 'POST' ? 204 : 400).end());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = new URL(`https://localhost:${(server.address() as { port: number }).port}/events`);
    const trusting = connectionTo(url, { tls: { ca: await readFile(certificates.caFile) } });
    const untrusting = connectionTo(url);
    try {
      expect(await sendOne(trusting)).toBe(204);
      expect(await sendOne(trusting)).toBe(204);
      await expect(sendOne(untrusting)).rejects.toThrow('unable to verify the first certificate');
    } finally {
      trusting.close();
      untrusting.close();
      server.closeAllConnections();
      server.close();
      await certificates.cleanup();
    }
  });
});
