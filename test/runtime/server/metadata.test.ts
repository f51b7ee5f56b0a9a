/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RunningServer } from '../../../runtime/src';
import { IRIS_DIR, IRIS_FILE, REPO_ROOT } from '../helpers/paths';
import { request, startTestServer, writeTempModel } from '../helpers/test-server';

const IRIS_METADATA = {
  name: 'iris',
  versions: ['1'],
  platform: 'onnxruntime_onnx',
  inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
  outputs: [
    { name: 'label', datatype: 'INT64', shape: [-1] },
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
  ],
};

describe('metadata endpoints', () => {
  let server: RunningServer;
  let corrupt: Awaited<ReturnType<typeof writeTempModel>>;

  beforeAll(async () => {
    corrupt = await writeTempModel('not a model');
    server = await startTestServer([
      { name: 'iris', uri: IRIS_DIR },
      { name: 'iris-file', uri: IRIS_FILE },
      { name: 'broken', uri: corrupt.dir },
    ]);
  });

  afterAll(async () => {
    await server.close();
    await corrupt.cleanup();
  });

  it.each(['/v2', '/v2/'])('%s describes the server and advertises exactly the extensions it implements', async (urlPath) => {
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'runtime', 'package.json'), 'utf8')) as { version: string };
    expect(await request(server, 'GET', urlPath)).toEqual({
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: { name: 'kfs-runtime', version, extensions: ['binary_tensor_data', 'model_repository', 'model_configuration', 'statistics'] },
    });
  });

  it.each(['/v2/models/iris', '/v2/models/iris/versions/1'])('%s describes iris from its ONNX signature', async (urlPath) => {
    expect(await request(server, 'GET', urlPath)).toMatchObject({ status: 200, body: IRIS_METADATA });
  });

  it('leaves versions out for a model loaded from a bare file', async () => {
    const { body } = await request(server, 'GET', '/v2/models/iris-file');
    expect(body).toEqual({ ...IRIS_METADATA, name: 'iris-file', versions: undefined });
    expect(body).not.toHaveProperty('versions');
  });

  it('answers 404 with Triton\'s message for an unknown model', async () => {
    expect(await request(server, 'GET', '/v2/models/resnet')).toEqual({
      status: 404,
      contentType: 'application/json; charset=utf-8',
      body: { error: "Request for unknown model: 'resnet' is not found" },
    });
  });

  it('answers 404 for a version the model does not have, and for any version of an unversioned model', async () => {
    expect(await request(server, 'GET', '/v2/models/iris/versions/7')).toMatchObject({
      status: 404,
      body: { error: "Request for unknown model: 'iris' version 7 is not found" },
    });
    expect(await request(server, 'GET', '/v2/models/iris-file/versions/1')).toMatchObject({
      status: 404,
      body: { error: "Request for unknown model: 'iris-file' version 1 is not found" },
    });
  });

  it('answers 503 with the load failure for a model that is UNAVAILABLE', async () => {
    expect(await request(server, 'GET', '/v2/models/broken')).toMatchObject({
      status: 503,
      body: { error: `model 'broken' is not ready (UNAVAILABLE): Load model from ${corrupt.file} failed:Protobuf parsing failed.` },
    });
  });

  it('answers unknown routes in the v2 error shape', async () => {
    expect(await request(server, 'GET', '/v2/nothing/here')).toEqual({
      status: 404,
      contentType: 'application/json; charset=utf-8',
      body: { error: 'no such endpoint: GET /v2/nothing/here' },
    });
  });
});
