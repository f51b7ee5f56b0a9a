/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import type { FastifyInstance } from 'fastify';
import { buildServer, ModelRepository, type RunningServer } from '../../../runtime/src';
import { loadModel } from '../../../runtime/src/models/load-model';
import { IRIS_DIR } from '../helpers/paths';
import { request, startTestServer, writeTempModel } from '../helpers/test-server';

describe('health endpoints with every model loaded', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }]);
  });

  afterAll(async () => {
    await server.close();
  });

  it('answers live with {"live":true}', async () => {
    expect(await request(server, 'GET', '/v2/health/live')).toEqual({
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: { live: true },
    });
  });

  it('answers ready with {"ready":true}', async () => {
    expect(await request(server, 'GET', '/v2/health/ready')).toMatchObject({ status: 200, body: { ready: true } });
  });

  it.each(['/v2/models/iris/ready', '/v2/models/iris/versions/1/ready'])('answers %s with the model name', async (path) => {
    expect(await request(server, 'GET', path)).toMatchObject({ status: 200, body: { name: 'iris', ready: true } });
  });

  it('answers 404 for the readiness of an unknown model or version', async () => {
    expect(await request(server, 'GET', '/v2/models/nope/ready')).toEqual({
      status: 404,
      contentType: 'application/json; charset=utf-8',
      body: { error: "Request for unknown model: 'nope' is not found" },
    });
    expect(await request(server, 'GET', '/v2/models/iris/versions/2/ready')).toMatchObject({
      status: 404,
      body: { error: "Request for unknown model: 'iris' version 2 is not found" },
    });
  });
});

describe('health endpoints with a model that failed to load', () => {
  let server: RunningServer;
  let corrupt: Awaited<ReturnType<typeof writeTempModel>>;

  beforeAll(async () => {
    corrupt = await writeTempModel('garbage bytes, not protobuf');
    server = await startTestServer([
      { name: 'iris', uri: IRIS_DIR },
      { name: 'broken', uri: corrupt.dir },
    ]);
  });

  afterAll(async () => {
    await server.close();
    await corrupt.cleanup();
  });

  it('stays live', async () => {
    expect(await request(server, 'GET', '/v2/health/live')).toMatchObject({ status: 200, body: { live: true } });
  });

  it('is not ready, and says which model is missing', async () => {
    expect(await request(server, 'GET', '/v2/health/ready')).toEqual({
      status: 503,
      contentType: 'application/json; charset=utf-8',
      body: { error: "server is not ready: models not ready: 'broken' (UNAVAILABLE)" },
    });
  });

  it('reports the broken model not ready with onnxruntime\'s reason, and iris ready', async () => {
    expect(await request(server, 'GET', '/v2/models/broken/ready')).toEqual({
      status: 503,
      contentType: 'application/json; charset=utf-8',
      body: { error: `model 'broken' is not ready (UNAVAILABLE): Load model from ${corrupt.file} failed:Protobuf parsing failed.` },
    });
    expect(await request(server, 'GET', '/v2/models/iris/ready')).toMatchObject({ status: 200 });
  });
});

describe('health endpoints while a model is still loading', () => {
  let app: FastifyInstance;
  let repository: ModelRepository;
  let baseUrl: string;
  let releaseLoad: () => void;
  let loaded: Promise<unknown>;

  beforeAll(async () => {
    const gate = new Promise<void>((resolve) => {
      releaseLoad = resolve;
    });
    // The real ONNX loader, held back until the test lets it finish.
    repository = new ModelRepository(async (name, uri) => {
      await gate;
      return loadModel(name, uri);
    });
    app = buildServer({ repository });
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    loaded = repository.load('iris', IRIS_DIR);
  });

  afterAll(async () => {
    releaseLoad();
    await loaded;
    await app.close();
    await repository.unloadAll();
  });

  it('is live but not ready, and refuses inference with 503 until the model is READY', async () => {
    expect((await fetch(`${baseUrl}/v2/health/live`)).status).toBe(200);
    const ready = await fetch(`${baseUrl}/v2/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ error: "server is not ready: models not ready: 'iris' (LOADING)" });
    const infer = await fetch(`${baseUrl}/v2/models/iris/infer`, { method: 'POST', body: Buffer.from('{}') });
    expect(infer.status).toBe(503);
    expect(await infer.json()).toEqual({ error: "model 'iris' is not ready (LOADING)" });

    releaseLoad();
    await loaded;
    expect((await fetch(`${baseUrl}/v2/health/ready`)).status).toBe(200);
  });
});
