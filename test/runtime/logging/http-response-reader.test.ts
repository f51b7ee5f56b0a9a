import { HttpResponseReader, type SinkResponse } from '../../../runtime/src/logging/http-response-reader';

/** Feeds `chunks` one by one; every response they completed, in order. */
function read(chunks: readonly (string | Buffer)[], reader = new HttpResponseReader()): SinkResponse[] {
  const responses: SinkResponse[] = [];
  for (const chunk of chunks) reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk, (response) => responses.push(response));
  return responses;
}

/** `text` cut into one-byte chunks: every state boundary falls between two reads somewhere. */
function byteByByte(text: string): string[] {
  return [...text];
}

describe('HttpResponseReader', () => {
  it('reads a Content-Length body fed one byte at a time, then the next response on the same connection', () => {
    const reader = new HttpResponseReader();
    const first = 'HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}';
    expect(read(byteByByte(first), reader)).toEqual([{ status: 202, keepAlive: true }]);
    expect(reader.idle).toBe(true);
    expect(read(['HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'], reader)).toEqual([{ status: 200, keepAlive: true }]);
  });

  it('reads two responses that arrive in one chunk, each with its own status', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\ndown';
    expect(read([text])).toEqual([
      { status: 200, keepAlive: true },
      { status: 503, keepAlive: false },
    ]);
  });

  it('reads a chunked body with a chunk extension and trailers, split at every byte', () => {
    const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Checksum: 42\r\n\r\n';
    const reader = new HttpResponseReader();
    expect(read(byteByByte(text), reader)).toEqual([{ status: 200, keepAlive: true }]);
    expect(reader.idle).toBe(true);
  });

  it('reads a repeated head the same each time, and a different head after it on its own terms', () => {
    // The reader remembers the last head it parsed; each answer must still say what its own bytes say.
    const ok = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    const closing = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbye';
    const reader = new HttpResponseReader();
    expect(read([ok + ok, ok], reader)).toEqual(Array(3).fill({ status: 200, keepAlive: true }));
    expect(read([closing, ok + closing], reader)).toEqual([
      { status: 200, keepAlive: false },
      { status: 200, keepAlive: true },
      { status: 200, keepAlive: false },
    ]);
    expect(reader.idle).toBe(true);
  });

  it('skips interim 1xx answers and reports the final one', () => {
    const text = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n';
    expect(read([text])).toEqual([{ status: 204, keepAlive: true }]);
  });

  it('honours Connection: close, and HTTP/1.0 keep-alive only when asked for', () => {
    expect(read(['HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n'])).toEqual([{ status: 200, keepAlive: false }]);
    expect(read(['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'])).toEqual([{ status: 200, keepAlive: false }]);
    expect(read(['HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n'])).toEqual([{ status: 200, keepAlive: true }]);
  });

  it('completes a body that runs to the end of the connection when the sink closes it', () => {
    const reader = new HttpResponseReader();
    expect(read(['HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome body', ' and more'], reader)).toEqual([]);
    expect(reader.end()).toEqual({ status: 200, keepAlive: false });
  });

  it('says whether a close came before the answer or in the middle of it', () => {
    expect(() => new HttpResponseReader().end()).toThrow('the sink closed the connection before answering');
    const reader = new HttpResponseReader();
    read(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf'], reader);
    expect(() => reader.end()).toThrow('the sink closed the connection in the middle of its answer');
  });

  it.each([
    ['a malformed status line', 'HTTP/2 200 OK\r\n\r\n', 'the sink answered with a malformed status line: "HTTP/2 200 OK"'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nContent-Length 0\r\n\r\n', 'the sink answered with a malformed header line: "Content-Length 0"'],
    ['a folded header line', 'HTTP/1.1 200 OK\r\nX-A: b\r\n  c\r\n\r\n', 'the sink answered with a malformed header line: "  c"'],
    ['conflicting Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n', 'the sink answered with an invalid Content-Length: "3"'],
    ['a negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', 'the sink answered with an invalid Content-Length: "-1"'],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'the sink sent a malformed chunk size: "zz"'],
    ['a chunk longer than its size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', 'the sink sent a chunk longer than its size'],
    ['a protocol switch nobody asked for', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n', 'the sink switched protocols (101) though no upgrade was asked for'],
  ])('refuses %s with a message that says what was wrong', (_case, text, message) => {
    expect(() => read([text])).toThrow(message);
  });

  it('refuses a response head over 16 KiB instead of buffering without end', () => {
    const reader = new HttpResponseReader();
    read(['HTTP/1.1 200 OK\r\n'], reader);
    expect(() => read([`X-Padding: ${'a'.repeat(17 * 1024)}`], reader)).toThrow("the sink's response head is over 16384 bytes");
  });
});
