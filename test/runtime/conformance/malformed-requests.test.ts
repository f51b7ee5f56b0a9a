/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import { connect } from 'node:net';
import type { RunningServer } from '../../../runtime/src';
import { IDENTITY_DIR, IRIS_DIR } from '../helpers/paths';
import { request, startTestServer } from '../helpers/test-server';

const IRIS_ROW = new Float32Array([5.1, 3.5, 1.4, 0.2]);

/** A binary-extension body: JSON header, then the given bytes. */
function binaryBody(header: unknown, binary: Buffer): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, binary]), headerLength: json.length };
}

function irisBinaryHeader(binaryDataSize: number, shape = [1, 4]) {
  return { inputs: [{ name: 'input', datatype: 'FP32', shape, parameters: { binary_data_size: binaryDataSize } }] };
}

/** Writes raw bytes on a socket and returns the status line and body of the answer. */
function rawHttp(server: RunningServer, head: string, body: Buffer): Promise<{ status: number; body: string }> {
  const { port } = server;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
      resolve({ status, body: answer.slice(answer.indexOf('\r\n\r\n') + 4) });
    });
    socket.write(head);
    socket.end(body);
  });
}

/**
 * The hand-written list of malformed requests, each with its exact status and error message;
 * the server keeps serving after every one of them.
 */
describe('malformed requests get the protocol error and status', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startTestServer(
      [
        { name: 'iris', uri: IRIS_DIR },
        { name: 'identity', uri: IDENTITY_DIR },
      ],
      { bodyLimitBytes: 64 * 1024 * 1024 },
    );
  });

  afterAll(async () => {
    await server.close();
  });

  afterEach(async () => {
    // Whatever the request did, the server still answers and still infers.
    const binary = Buffer.from(IRIS_ROW.buffer);
    const { body, headerLength } = binaryBody(irisBinaryHeader(binary.length), binary);
    const ok = await request(server, 'POST', '/v2/models/iris/infer', body, { 'inference-header-content-length': String(headerLength) });
    expect(ok.status).toBe(200);
  });

  it.each<[string, () => { body: Buffer; headers: Record<string, string> }, number, string]>([
    [
      'a truncated binary section',
      () => {
        const { body, headerLength } = binaryBody(irisBinaryHeader(16), Buffer.from(IRIS_ROW.buffer).subarray(0, 10));
        return { body, headers: { 'inference-header-content-length': String(headerLength) } };
      },
      400,
      "input 'input' declares binary_data_size 16 but only 10 bytes of binary data remain in the request body",
    ],
    [
      'Inference-Header-Content-Length past the end of the body',
      () => ({ body: Buffer.from('{"inputs":[]}'), headers: { 'inference-header-content-length': '5000' } }),
      400,
      'Inference-Header-Content-Length (5000) is larger than the request body (13 bytes)',
    ],
    [
      'a non-numeric Inference-Header-Content-Length',
      () => ({ body: Buffer.from('{"inputs":[]}'), headers: { 'inference-header-content-length': '-3' } }),
      400,
      "Inference-Header-Content-Length must be a non-negative integer, got '-3'",
    ],
    [
      'binary data whose size does not match the shape',
      () => {
        const { body, headerLength } = binaryBody(irisBinaryHeader(16, [2, 4]), Buffer.from(IRIS_ROW.buffer));
        return { body, headers: { 'inference-header-content-length': String(headerLength) } };
      },
      400,
      "input 'input' has shape [2,4] (8 elements of FP32, 32 bytes) but its binary data holds 16 bytes",
    ],
    [
      'bytes left over after the last binary section',
      () => {
        const { body, headerLength } = binaryBody(irisBinaryHeader(16), Buffer.concat([Buffer.from(IRIS_ROW.buffer), Buffer.alloc(3)]));
        return { body, headers: { 'inference-header-content-length': String(headerLength) } };
      },
      400,
      "request body has 3 bytes of binary data after the last input's binary_data_size",
    ],
    [
      'JSON data whose element count does not match the shape',
      () => ({ body: Buffer.from('{"inputs":[{"name":"input","datatype":"FP32","shape":[2,4],"data":[1,2,3,4]}]}'), headers: {} }),
      400,
      "input 'input' has shape [2,4] (8 elements) but its 'data' holds 4 elements",
    ],
    [
      'the wrong datatype',
      () => ({ body: Buffer.from('{"inputs":[{"name":"input","datatype":"INT32","shape":[1,4],"data":[1,2,3,4]}]}'), headers: {} }),
      400,
      "inference input 'input' data-type is 'INT32', but model 'iris' expects 'FP32'",
    ],
    [
      'NaN in JSON (not JSON at all)',
      () => ({ body: Buffer.from('{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[NaN,2,3,4]}]}'), headers: {} }),
      400,
      'malformed JSON in request body: Unexpected token \'N\', ..."],"data":[NaN,2,3,4]"... is not valid JSON',
    ],
    [
      'Infinity in JSON (a number too large for FP32)',
      () => ({ body: Buffer.from('{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[1e39,2,3,4]}]}'), headers: {} }),
      400,
      "input 'input': data element 0 (1e+39) is not a finite FP32 value; NaN and Infinity are not accepted",
    ],
    [
      'a BYTES element that is not UTF-8',
      () => {
        const header = { inputs: [] as unknown[] };
        const parts: Buffer[] = [];
        for (const [datatype, bytes] of [['BOOL', 1], ['UINT8', 1], ['UINT16', 2], ['UINT32', 4], ['UINT64', 8], ['INT8', 1], ['INT16', 2], ['INT32', 4], ['INT64', 8], ['FP32', 4], ['FP64', 8]] as const) {
          header.inputs.push({ name: `in_${datatype.toLowerCase()}`, datatype, shape: [1, 1], parameters: { binary_data_size: bytes } });
          parts.push(Buffer.alloc(bytes));
        }
        const notUtf8 = Buffer.from([2, 0, 0, 0, 0xff, 0xfe]);
        header.inputs.push({ name: 'in_bytes', datatype: 'BYTES', shape: [1, 1], parameters: { binary_data_size: notUtf8.length } });
        const { body, headerLength } = binaryBody(header, Buffer.concat([...parts, notUtf8]));
        return { body, headers: { 'inference-header-content-length': String(headerLength) } };
      },
      400,
      "input 'in_bytes': BYTES element 0 is not valid UTF-8, which onnxruntime string tensors require",
    ],
  ])('%s: 400 with the exact message', async (_name, build, status, message) => {
    const { body, headers } = build();
    const url = body.includes(Buffer.from('in_bytes')) ? '/v2/models/identity/infer' : '/v2/models/iris/infer';
    expect(await request(server, 'POST', url, body, headers)).toEqual({
      status,
      contentType: 'application/json; charset=utf-8',
      body: { error: message },
    });
  });

  it('a 100 MB body over the limit: 413 before the body is read', async () => {
    const head = 'POST /v2/models/iris/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 104857600\r\nConnection: close\r\n\r\n';
    const answer = await rawHttp(server, head, Buffer.alloc(64 * 1024));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ error: 'Request body is too large' });
  });

  it.each([
    ['/v2/models/nope/infer', "Request for unknown model: 'nope' is not found"],
    ['/v2/models/iris/versions/7/infer', "Request for unknown model: 'iris' version 7 is not found"],
  ])('%s: 404 with Triton\'s message', async (url, message) => {
    expect(await request(server, 'POST', url, Buffer.from('{}'))).toEqual({ status: 404, contentType: 'application/json; charset=utf-8', body: { error: message } });
  });

  it('an unload while inferences are in flight: those finish with 200, later ones get 503', async () => {
    const body = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: Array.from(IRIS_ROW) }] }));
    const inFlight = Array.from({ length: 20 }, () => request(server, 'POST', '/v2/models/iris/infer', body));
    await new Promise((resolve) => setTimeout(resolve, 1));
    const unload = request(server, 'POST', '/v2/repository/models/iris/unload', Buffer.alloc(0));
    const statuses = (await Promise.all(inFlight)).map((response) => response.status);
    expect((await unload).status).toBe(200);
    // Each request either ran before the unload (200) or was refused after it (503); none failed otherwise.
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
    expect(await request(server, 'POST', '/v2/models/iris/infer', body)).toEqual({
      status: 503,
      contentType: 'application/json; charset=utf-8',
      body: { error: "model 'iris' is not ready (UNAVAILABLE): unloaded" },
    });
    expect((await request(server, 'POST', '/v2/repository/models/iris/load', Buffer.alloc(0))).status).toBe(200);
  });
});
