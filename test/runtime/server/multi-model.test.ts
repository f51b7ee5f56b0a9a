/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type RunningServer, startServer } from '../../../runtime/src';
import { ModelRepository } from '../../../runtime/src/models/model-repository';
import { RepositoryExtension } from '../../../runtime/src/server/repository-extension';
import { IDENTITY_DIR, IRIS_DIR, IRIS_FILE, MLP_DIR } from '../helpers/paths';
import { postJson, request } from '../helpers/test-server';

/**
 * kfs-runtime's side of multi-model serving, with real ONNX sessions: loads that say where the
 * model is (`storage_uri`), an index that reports it back, and `--model-config` startup.
 */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const IRIS_REQUEST = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] };

describe('load with a storage_uri parameter', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ models: [], modelConfigFile: '/nonexistent/models.json', host: '127.0.0.1', httpPort: 0, grpcPort: 0, logLevel: 'silent' });
    await server.modelsLoaded;
  });
  afterAll(() => server?.close());

  it('loads a model by name from the given URI, and the index reports that URI back with its SHA-256', async () => {
    expect(await postJson(server, '/v2/repository/models/tm-iris/load', { parameters: { storage_uri: IRIS_DIR } })).toMatchObject({ status: 200, body: {} });
    expect((await postJson(server, '/v2/repository/index', {})).body).toEqual([
      { name: 'tm-iris', version: '1', state: 'READY', reason: '', storage_uri: IRIS_DIR, storage_uri_sha256: sha256(IRIS_DIR) },
    ]);
    const inferred = await postJson(server, '/v2/models/tm-iris/infer', IRIS_REQUEST);
    expect(inferred.status).toBe(200);
    expect((inferred.body as { model_name: string }).model_name).toBe('tm-iris');
  });

  it('a load with another storage_uri replaces the model under the same name', async () => {
    expect((await postJson(server, '/v2/repository/models/tm-iris/load', { parameters: { storage_uri: IDENTITY_DIR } })).status).toBe(200);
    const [row] = (await postJson(server, '/v2/repository/index', {})).body as { storage_uri: string; state: string }[];
    expect(row).toMatchObject({ state: 'READY', storage_uri: IDENTITY_DIR });
    const metadata = await request(server, 'GET', '/v2/models/tm-iris');
    expect((metadata.body as { inputs: { name: string }[] }).inputs.map((input) => input.name)).not.toContain('input');
  });

  it('rejects a storage_uri that is not a non-empty string, naming the parameter', async () => {
    for (const storageUri of [42, '']) {
      expect(await postJson(server, '/v2/repository/models/tm-x/load', { parameters: { storage_uri: storageUri } })).toMatchObject({
        status: 400,
        body: { error: "load parameter 'storage_uri' must be a non-empty string (the model's storage URI)" },
      });
    }
  });

  it('a failed load from a storage_uri leaves no entry for a new name, and says why', async () => {
    const response = await postJson(server, '/v2/repository/models/tm-missing/load', { parameters: { storage_uri: '/nonexistent/model' } });
    expect(response.status).toBe(404);
    expect((await postJson(server, '/v2/repository/index', {})).body).toEqual([expect.objectContaining({ name: 'tm-iris' })]);
  });

  it('stays ready while a model loads through the API after startup (models loaded later never take a replica out of service)', async () => {
    const loading = postJson(server, '/v2/repository/models/tm-mlp/load', { parameters: { storage_uri: MLP_DIR } });
    expect((await request(server, 'GET', '/v2/health/ready')).status).toBe(200);
    expect((await loading).status).toBe(200);
  });

  it('never shows the credential of a presigned URL in the index: the query is redacted, and the SHA-256 of the URI stands in for it', async () => {
    const signature = 'X-Amz-Signature=9f86d081884c7d659a2feaa0c55ad015';
    const store: Server = createServer((incoming, response) => {
      // Like a presigned object URL: no signature, no model.
      if (incoming.url !== `/bucket/iris.onnx?${signature}`) return void response.writeHead(403).end();
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(IRIS_FILE));
    });
    await new Promise<void>((resolve) => store.listen(0, '127.0.0.1', resolve));
    try {
      const presigned = `http://127.0.0.1:${(store.address() as AddressInfo).port}/bucket/iris.onnx?${signature}`;
      expect((await postJson(server, '/v2/repository/models/tm-presigned/load', { parameters: { storage_uri: presigned } })).status).toBe(200);
      const index = await postJson(server, '/v2/repository/index', {});
      expect((index.body as { name: string }[]).find((row) => row.name === 'tm-presigned')).toEqual(
        { name: 'tm-presigned', state: 'READY', reason: '', storage_uri: presigned.replace(signature, '<redacted>'), storage_uri_sha256: sha256(presigned) },
      );
      expect(JSON.stringify(index.body)).not.toContain('9f86d081');
    } finally {
      store.closeAllConnections();
      await new Promise((resolve) => store.close(resolve));
    }
  });
});

describe('--model-config (multi-model startup)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kfs-model-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function startWithConfig(content: string): Promise<RunningServer> {
    const file = path.join(dir, `models-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, content);
    return startServer({ models: [], modelConfigFile: file, host: '127.0.0.1', httpPort: 0, grpcPort: 0, logLevel: 'silent' });
  }

  it("loads every model of KServe's models.json before reporting ready, with the URIs as written", async () => {
    const server = await startWithConfig(JSON.stringify([
      { modelName: 'a-iris', modelSpec: { storageUri: IRIS_DIR, framework: 'onnx', memory: '64Mi' } },
      { modelName: 'b-mlp', modelSpec: { storageUri: MLP_DIR, framework: 'onnx', memory: '64Mi' } },
    ]));
    try {
      // Both are LOADING from the first moment the server listens.
      expect((await request(server, 'GET', '/v2/health/ready')).status).toBe(503);
      await server.modelsLoaded;
      expect((await request(server, 'GET', '/v2/health/ready')).status).toBe(200);
      expect((await postJson(server, '/v2/repository/index', {})).body).toEqual([
        { name: 'a-iris', version: '1', state: 'READY', reason: '', storage_uri: IRIS_DIR, storage_uri_sha256: sha256(IRIS_DIR) },
        { name: 'b-mlp', version: '1', state: 'READY', reason: '', storage_uri: MLP_DIR, storage_uri_sha256: sha256(MLP_DIR) },
      ]);
    } finally {
      await server.close();
    }
  });

  it('a model that fails to load does not keep the replica out of service: it is listed UNAVAILABLE with its reason', async () => {
    const server = await startWithConfig(JSON.stringify([
      { modelName: 'good', modelSpec: { storageUri: IRIS_DIR, framework: 'onnx', memory: '64Mi' } },
      { modelName: 'broken', modelSpec: { storageUri: path.join(dir, 'no-such-model'), framework: 'onnx', memory: '64Mi' } },
    ]));
    try {
      await server.modelsLoaded;
      expect((await request(server, 'GET', '/v2/health/ready')).status).toBe(200);
      const rows = (await postJson(server, '/v2/repository/index', {})).body as { name: string; state: string; reason: string }[];
      expect(rows.map((row) => [row.name, row.state])).toEqual([['broken', 'UNAVAILABLE'], ['good', 'READY']]);
      expect(rows[0].reason).not.toBe('');
    } finally {
      await server.close();
    }
  });

  it('an empty file or a missing one (the ConfigMap not written yet) starts a server with no models, ready at once', async () => {
    const server = await startWithConfig('');
    try {
      await server.modelsLoaded;
      expect((await request(server, 'GET', '/v2/health/ready')).status).toBe(200);
      expect((await postJson(server, '/v2/repository/index', {})).body).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it.each([
    ['{"models": []}', 'must be a JSON array of {modelName, modelSpec}'],
    ['[{"modelName": "../x", "modelSpec": {"storageUri": "/m"}}]', '[0]: modelName must be a model name, got "../x"'],
    ['[{"modelName": "a", "modelSpec": {}}]', "[0] 'a': modelSpec.storageUri must be a non-empty string"],
    ['[{"modelName": "a", "modelSpec": {"storageUri": "/m"}}, {"modelName": "a", "modelSpec": {"storageUri": "/n"}}]', "model 'a' is listed twice"],
    ['not json', 'is not JSON'],
  ])('refuses to start on a malformed model config %s', async (content, message) => {
    await expect(startWithConfig(content)).rejects.toThrow(message);
  });
});

describe('readiness and loads through the repository API (RepositoryExtension)', () => {
  it('while a multi-model server is starting, a load counts for readiness until it settles', async () => {
    const repository = new ModelRepository();
    const extension = new RepositoryExtension(repository, undefined, { loadsRequired: () => true });
    const loading = extension.load('pushed', IRIS_DIR);
    expect(repository.requiredNotReady().map((entry) => [entry.name, entry.state])).toEqual([['pushed', 'LOADING']]);
    await loading;
    expect(repository.requiredNotReady()).toEqual([]);
    await repository.unloadAll();
  });

  it('a pushed load that fails stops counting, so one broken model cannot hold a starting replica back', async () => {
    const repository = new ModelRepository();
    await repository.load('known', IRIS_DIR);
    const extension = new RepositoryExtension(repository, undefined, { loadsRequired: () => true });
    await expect(extension.load('known', '/nonexistent/model')).rejects.toThrow("failed to load 'known'");
    expect(repository.requiredNotReady()).toEqual([]);
    await repository.unloadAll();
  });

  it('after startup (the default) a load never counts for readiness', async () => {
    const repository = new ModelRepository();
    const extension = new RepositoryExtension(repository);
    const loading = extension.load('later', IRIS_DIR);
    expect(repository.requiredNotReady()).toEqual([]);
    await loading;
    await repository.unloadAll();
  });
});
