/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import type { RunningServer } from '../../../runtime/src';
import { expectedOutput, type IrisExpected, loadIrisExpected, PROBABILITY_TOLERANCE } from '../helpers/iris-expected';
import { IDENTITY_DIR, IRIS_DIR } from '../helpers/paths';
import { type JsonResponse, postJson, request, startTestServer, writeTempModel } from '../helpers/test-server';

interface ResponseOutput {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}
interface InferResponseBody {
  model_name: string;
  model_version?: string;
  id?: string;
  outputs: ResponseOutput[];
}

function outputsOf(response: JsonResponse): ResponseOutput[] {
  return (response.body as InferResponseBody).outputs;
}

/** Asserts a response's outputs against Python onnxruntime's: labels exactly, probabilities within tolerance. */
function expectIrisPredictions(response: JsonResponse, expected: IrisExpected): void {
  const [label, probabilities] = outputsOf(response);
  const wantLabel = expectedOutput(expected, 'label');
  const wantProbabilities = expectedOutput(expected, 'probabilities');
  expect(label).toEqual(wantLabel);
  expect(probabilities).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: wantProbabilities.shape });
  expect(probabilities?.data).toHaveLength(wantProbabilities.data.length);
  probabilities?.data.forEach((value, index) => {
    expect(Math.abs((value as number) - (wantProbabilities.data[index] ?? NaN))).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
  });
}

describe('POST /v2/models/{m}/infer on the real iris model', () => {
  const expected = loadIrisExpected();
  let server: RunningServer;
  let corrupt: Awaited<ReturnType<typeof writeTempModel>>;

  beforeAll(async () => {
    corrupt = await writeTempModel(Buffer.from([0x08, 0xff, 0xff, 0xff]));
    server = await startTestServer([
      { name: 'iris', uri: IRIS_DIR },
      { name: 'identity', uri: IDENTITY_DIR },
      { name: 'broken', uri: corrupt.dir },
    ]);
  });

  afterAll(async () => {
    await server.close();
    await corrupt.cleanup();
  });

  it('predicts what Python onnxruntime predicted (labels exact, probabilities within 1e-6)', async () => {
    const response = await postJson(server, '/v2/models/iris/infer', expected.request);
    expect(response.status).toBe(200);
    expect(response.contentType).toBe('application/json; charset=utf-8');
    expect(response.body).toMatchObject({ model_name: 'iris', model_version: '1', id: expected.request.id });
    expectIrisPredictions(response, expected);
  });

  it('serves the same predictions on the versioned path', async () => {
    const response = await postJson(server, '/v2/models/iris/versions/1/infer', expected.request);
    expect(response.status).toBe(200);
    expectIrisPredictions(response, expected);
  });

  it('accepts nested data and gives the same predictions as flat data', async () => {
    const [input] = expected.request.inputs;
    const nested: number[][] = [];
    for (let row = 0; row < (input?.shape[0] ?? 0); row++) nested.push((input?.data ?? []).slice(row * 4, row * 4 + 4));
    const response = await postJson(server, '/v2/models/iris/infer', { ...expected.request, inputs: [{ ...input, data: nested }] });
    expectIrisPredictions(response, expected);
  });

  it('leaves id out of the response when the request has none', async () => {
    const { id: _id, ...withoutId } = expected.request;
    const response = await postJson(server, '/v2/models/iris/infer', withoutId);
    expect(response.status).toBe(200);
    expect(response.body).not.toHaveProperty('id');
  });

  it('returns only the requested outputs, in the requested order', async () => {
    const response = await postJson(server, '/v2/models/iris/infer', { ...expected.request, outputs: [{ name: 'probabilities' }] });
    expect(outputsOf(response).map((output) => output.name)).toEqual(['probabilities']);
  });

  it.each([
    ['no Content-Type (tritonclient)', {}],
    ['application/json', { 'content-type': 'application/json' }],
    ['application/octet-stream (perf_analyzer)', { 'content-type': 'application/octet-stream' }],
    ['text/plain', { 'content-type': 'text/plain' }],
  ])('accepts a JSON body sent with %s', async (_case, headers) => {
    const response = await request(server, 'POST', '/v2/models/iris/infer', Buffer.from(JSON.stringify(expected.request)), headers);
    expect(response.status).toBe(200);
    expectIrisPredictions(response, expected);
  });

  it('round-trips every JSON datatype through onnxruntime unchanged', async () => {
    const cases: [string, unknown[]][] = [
      ['BOOL', [true, false, false, true]],
      ['UINT8', [0, 1, 254, 255]],
      ['UINT16', [0, 1, 65534, 65535]],
      ['UINT32', [0, 1, 4294967294, 4294967295]],
      ['UINT64', [0, 1, 2 ** 32, 2 ** 53 - 1]],
      ['INT8', [-128, -1, 0, 127]],
      ['INT16', [-32768, -1, 0, 32767]],
      ['INT32', [-2147483648, -1, 0, 2147483647]],
      ['INT64', [-(2 ** 53 - 1), -1, 0, 2 ** 53 - 1]],
      ['FP32', [-1.5, 0, 0.25, 3.4028234663852886e38]],
      ['FP64', [-1e-300, 0, 0.1, 1.7976931348623157e308]],
      ['BYTES', ['', 'iris', 'grüße', '"quoted"\n']],
    ];
    const inputs = cases.map(([datatype, data]) => ({ name: `in_${datatype.toLowerCase()}`, datatype, shape: [2, 2], data }));
    const response = await postJson(server, '/v2/models/identity/infer', { inputs });
    expect(response.status).toBe(200);
    const outputs = new Map(outputsOf(response).map((output) => [output.name, output]));
    for (const [datatype, data] of cases) {
      expect(outputs.get(`out_${datatype.toLowerCase()}`)).toEqual({ name: `out_${datatype.toLowerCase()}`, datatype, shape: [2, 2], data });
    }
  });

  it('answers 404 with Triton\'s message for an unknown model or version', async () => {
    expect(await postJson(server, '/v2/models/resnet/infer', expected.request)).toEqual({
      status: 404,
      contentType: 'application/json; charset=utf-8',
      body: { error: "Request for unknown model: 'resnet' is not found" },
    });
    expect(await postJson(server, '/v2/models/iris/versions/3/infer', expected.request)).toMatchObject({
      status: 404,
      body: { error: "Request for unknown model: 'iris' version 3 is not found" },
    });
  });

  it('answers 503 for the corrupt model with onnxruntime\'s reason, while iris keeps serving', async () => {
    const broken = await postJson(server, '/v2/models/broken/infer', expected.request);
    expect(broken.status).toBe(503);
    expect((broken.body as { error: string }).error).toMatch(
      new RegExp(`^model 'broken' is not ready \\(UNAVAILABLE\\): Load model from ${corrupt.file} failed:`),
    );
    expect((await postJson(server, '/v2/models/iris/infer', expected.request)).status).toBe(200);
  });

  it('answers 400 for malformed JSON', async () => {
    expect(await request(server, 'POST', '/v2/models/iris/infer', Buffer.from('{"inputs": ['))).toEqual({
      status: 400,
      contentType: 'application/json; charset=utf-8',
      body: { error: expect.stringMatching(/^malformed JSON in request body: /) as unknown },
    });
  });

  it('answers 400 for an empty body', async () => {
    expect(await request(server, 'POST', '/v2/models/iris/infer')).toMatchObject({
      status: 400,
      body: { error: 'request body is empty; expected a JSON inference request' },
    });
  });

  it('answers 400 with the codec\'s message for an input that does not fit the model', async () => {
    const response = await postJson(server, '/v2/models/iris/infer', {
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }],
    });
    expect(response).toMatchObject({
      status: 400,
      body: { error: "unexpected shape for input 'input' for model 'iris'. Expected [-1,4], got [1,3]" },
    });
  });

  it('survives a burst of bad requests and still serves', async () => {
    const bad = ['null', '[]', '{"inputs":"x"}', '{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[1,2,"x",4]}]}', '\u0000'];
    const responses = await Promise.all(bad.map((body) => request(server, 'POST', '/v2/models/iris/infer', Buffer.from(body))));
    expect(responses.map((response) => response.status)).toEqual([400, 400, 400, 400, 400]);
    expect((await postJson(server, '/v2/models/iris/infer', expected.request)).status).toBe(200);
  });
});

describe('request body limit', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], { bodyLimitBytes: 1024 });
  });

  afterAll(async () => {
    await server.close();
  });

  it('answers 413 in the v2 error shape for a body over the configured limit', async () => {
    const data = new Array<number>(1000).fill(1.5);
    const response = await postJson(server, '/v2/models/iris/infer', { inputs: [{ name: 'input', datatype: 'FP32', shape: [250, 4], data }] });
    expect(response).toMatchObject({ status: 413, contentType: 'application/json; charset=utf-8', body: { error: 'Request body is too large' } });
  });
});
