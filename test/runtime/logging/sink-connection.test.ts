import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Socket } from 'node:net';
import { SinkConnection } from '../../../runtime/src/logging/sink-connection';
import { ScriptedSink } from '../helpers/scripted-sink';
import { makeTestCertificates } from '../helpers/tls';

const HEAD = 'POST /events HTTP/1.1\r\nhost: sink\r\ncontent-length: 5\r\n\r\n';
const BODY = Buffer.from('hello');

const OK = ScriptedSink.OK;

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
    connection = new SinkConnection(sink.url, { timeoutMs: 5000 });
    for (let i = 0; i < 3; i++) expect(await connection.send(HEAD, BODY)).toBe(200);
    expect(sink.sockets).toHaveLength(1);
    expect(received).toBe(`${HEAD}hello`.repeat(3));
  });

  it('sends a body too large to copy behind the head intact', async () => {
    const body = Buffer.alloc(200 * 1024, 7);
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
    connection = new SinkConnection(new URL(`http://127.0.0.1:${port}/`), { timeoutMs: 5000 });
    try {
      expect(await connection.send(HEAD, body)).toBe(200);
      expect(bytes).toBe(HEAD.length + body.length);
    } finally {
      connection.close();
      server.close();
    }
  });

  it('reads a chunked answer and keeps the connection for the next request', async () => {
    sink = await ScriptedSink.start((request) => `HTTP/1.1 ${request === 1 ? 201 : 202} Created\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nokay\r\n0\r\n\r\n`);
    connection = new SinkConnection(sink.url, { timeoutMs: 5000 });
    expect(await connection.send(HEAD, BODY)).toBe(201);
    expect(await connection.send(HEAD, BODY)).toBe(202);
    expect(sink.sockets).toHaveLength(1);
  });

  it('opens a new connection after the sink answered with Connection: close', async () => {
    sink = await ScriptedSink.start(() => 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    connection = new SinkConnection(sink.url, { timeoutMs: 5000 });
    expect(await connection.send(HEAD, BODY)).toBe(200);
    expect(await connection.send(HEAD, BODY)).toBe(200);
    expect(sink.sockets).toHaveLength(2);
  });

  it('fails the request when the sink closes mid-request, then connects again for the next one', async () => {
    sink = await ScriptedSink.start((request) => (request === 1 ? 'destroy' : OK));
    connection = new SinkConnection(sink.url, { timeoutMs: 5000 });
    await expect(connection.send(HEAD, BODY)).rejects.toThrow('the sink closed the connection before answering');
    expect(await connection.send(HEAD, BODY)).toBe(200);
    expect(sink.sockets).toHaveLength(2);
  });

  it('fails the request when the sink cuts its answer short', async () => {
    sink = await ScriptedSink.start((_request, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf');
      return undefined;
    });
    connection = new SinkConnection(sink.url, { timeoutMs: 5000 });
    await expect(connection.send(HEAD, BODY)).rejects.toThrow('the sink closed the connection in the middle of its answer');
  });

  it('reads an answer whose body runs to the close of the connection', async () => {
    sink = await ScriptedSink.start((_request, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\naccepted');
      return undefined;
    });
    connection = new SinkConnection(sink.url, { timeoutMs: 5000 });
    expect(await connection.send(HEAD, BODY)).toBe(200);
  });

  it('fails a malformed answer with the reader\'s message and closes that connection', async () => {
    sink = await ScriptedSink.start((request) => (request === 1 ? 'HTTP/1.1 OK\r\n\r\n' : OK));
    connection = new SinkConnection(sink.url, { timeoutMs: 5000 });
    await expect(connection.send(HEAD, BODY)).rejects.toThrow('the sink answered with a malformed status line: "HTTP/1.1 OK"');
    expect(await connection.send(HEAD, BODY)).toBe(200);
    expect(sink.sockets).toHaveLength(2);
  });

  it('fails a request the sink does not answer within the timeout', async () => {
    sink = await ScriptedSink.start(() => undefined);
    connection = new SinkConnection(sink.url, { timeoutMs: 200 });
    await expect(connection.send(HEAD, BODY)).rejects.toThrow('the log sink did not answer within 200 ms');
  });

  it('fails with the network error when nothing listens', async () => {
    sink = await ScriptedSink.start(() => OK);
    const url = sink.url;
    await sink.stop();
    sink = undefined;
    connection = new SinkConnection(url, { timeoutMs: 5000 });
    await expect(connection.send(HEAD, BODY)).rejects.toThrow(`connect ECONNREFUSED 127.0.0.1:${url.port}`);
  });

  it('refuses a second request while one is in flight', async () => {
    sink = await ScriptedSink.start(() => undefined);
    connection = new SinkConnection(sink.url, { timeoutMs: 5000 });
    const first = connection.send(HEAD, BODY);
    await expect(connection.send(HEAD, BODY)).rejects.toThrow('SinkConnection.send: a request is already in flight on this connection');
    connection.close();
    await expect(first).rejects.toThrow('the log sink connection was closed');
  });

  it('refuses a sink URL that is not http(s)', () => {
    expect(() => new SinkConnection(new URL('ftp://sink/events'), { timeoutMs: 5000 })).toThrow('the log sink ftp://sink/events is not an http:// or https:// URL');
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
    const trusting = new SinkConnection(url, { timeoutMs: 5000, tls: { ca: await readFile(certificates.caFile) } });
    const untrusting = new SinkConnection(url, { timeoutMs: 5000 });
    try {
      expect(await trusting.send(HEAD, BODY)).toBe(204);
      expect(await trusting.send(HEAD, BODY)).toBe(204);
      await expect(untrusting.send(HEAD, BODY)).rejects.toThrow('unable to verify the first certificate');
    } finally {
      trusting.close();
      untrusting.close();
      server.closeAllConnections();
      server.close();
      await certificates.cleanup();
    }
  });
});
