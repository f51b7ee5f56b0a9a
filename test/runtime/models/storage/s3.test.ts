/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ModelState } from '../../../../runtime/src/models/model';
import { makeTar, makeZip } from '../../helpers/archives';
import { IRIS_FILE } from '../../helpers/paths';
import { S3TestServer } from '../../helpers/s3-server';
import { type StorageFixture, committedCacheFolders, listFiles, makeStorageFixture } from '../../helpers/storage';
import { postJson, request, startTestServer } from '../../helpers/test-server';
import { loadIrisExpected } from '../../helpers/iris-expected';
import { makeTestCertificates } from '../../helpers/tls';

const IRIS = readFileSync(IRIS_FILE);
let s3: S3TestServer;
let fixture: StorageFixture;

beforeAll(async () => {
  s3 = await S3TestServer.start();
  await s3.createBucket('models', {
    'single/iris.onnx': IRIS,
    'folder/model.onnx': IRIS,
    'folder/labels.txt': 'setosa\nversicolor\nvirginica\n',
    'folder-sibling/model.onnx': 'must not be pulled with folder/',
    'versions/1/model.onnx': IRIS,
    'versions/2/model.onnx': IRIS,
    'versions/10/model.onnx': IRIS,
    'corrupt/model.onnx': 'this is not an onnx protobuf',
  });
});

afterAll(async () => {
  await s3.stop();
});

beforeEach(async () => {
  fixture = await makeStorageFixture({ env: s3.env() });
});

afterEach(async () => {
  await fixture.cleanup();
});

describe('s3:// pulls from a real S3 server (s3rver on 127.0.0.1)', () => {
  it('serves a single-object URI end to end: pull, load, infer over HTTP', async () => {
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'kfs-cache-e2e-'));
    const server = await startTestServer([{ name: 'iris', uri: 's3://models/single/iris.onnx' }], { storage: { env: s3.env(), cacheDir } });
    try {
      const expected = loadIrisExpected();
      const response = await postJson(server, '/v2/models/iris/infer', expected.request);
      expect(response.status).toBe(200);
      expect((response.body as { model_name: string }).model_name).toBe('iris');
      const entry = server.repository.get('iris');
      expect(entry?.state).toBe(ModelState.READY);
      expect(path.basename(entry?.model?.path ?? '')).toBe('iris.onnx');
      expect(entry?.model?.path.startsWith(cacheDir)).toBe(true);
    } finally {
      await server.close();
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  it('shows a failed pull on the v2 ready endpoints with its reason while the other model serves', async () => {
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'kfs-cache-e2e-'));
    const server = await startTestServer(
      [
        { name: 'iris', uri: 's3://models/folder' },
        { name: 'ghost', uri: 's3://models/missing' },
      ],
      { storage: { env: s3.env(), cacheDir } },
    );
    try {
      expect(await request(server, 'GET', '/v2/models/iris/ready')).toMatchObject({ status: 200, body: { name: 'iris', ready: true } });
      expect(await request(server, 'GET', '/v2/models/ghost/ready')).toMatchObject({
        status: 503,
        body: { error: "model 'ghost' is not ready (UNAVAILABLE): no model found at s3://models/missing: no object has that key or lies under that prefix" },
      });
      expect(await request(server, 'GET', '/v2/health/ready')).toMatchObject({ status: 503, body: { error: "server is not ready: models not ready: 'ghost' (UNAVAILABLE)" } });
    } finally {
      await server.close();
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  it('pulls a folder prefix: every object under prefix/, and not the sibling prefix-other/', async () => {
    const entry = await fixture.repository.load('iris', 's3://models/folder');
    expect(entry.state).toBe(ModelState.READY);
    const modelDir = path.dirname(entry.model!.path);
    expect(await listFiles(modelDir)).toEqual(['labels.txt', 'model.onnx']);
    expect(await readFile(path.join(modelDir, 'model.onnx'))).toEqual(IRIS);
  });

  it('pulls nested Triton-style versions and serves the highest (10 > 2 > 1, numerically)', async () => {
    const entry = await fixture.repository.load('iris', 's3://models/versions/');
    expect(entry.state).toBe(ModelState.READY);
    expect(entry.model?.version).toBe('10');
    const root = path.dirname(path.dirname(entry.model!.path));
    expect(await listFiles(root)).toEqual(['1/model.onnx', '10/model.onnx', '2/model.onnx']);
  });

  it('unpacks a .tar.gz object holding one top-level folder with versions', async () => {
    await put('archives/iris.tar.gz', await makeTar([{ name: 'iris/', type: 'directory' }, { name: 'iris/1/model.onnx', content: IRIS }]));
    const entry = await fixture.repository.load('iris', 's3://models/archives/iris.tar.gz');
    expect(entry.state).toBe(ModelState.READY);
    expect(entry.model?.version).toBe('1');
    expect(entry.model?.path.split(path.sep).slice(-3)).toEqual(['iris', '1', 'model.onnx']);
  });

  it('unpacks a lone .zip under a folder prefix', async () => {
    await put('zipped/model.zip', makeZip({ 'model.onnx': IRIS }));
    const entry = await fixture.repository.load('iris', 's3://models/zipped');
    expect(entry.state).toBe(ModelState.READY);
    expect(await listFiles(path.dirname(entry.model!.path))).toEqual(['model.onnx']);
  });

  it('fails with a clear terminal error for an unknown access key, after one request, naming neither key nor secret', async () => {
    const wrong = await makeStorageFixture({ env: s3.env({ AWS_ACCESS_KEY_ID: 'AKIAWRONGKEY0000', AWS_SECRET_ACCESS_KEY: 'wrong-secret-value-123' }) });
    try {
      await s3.resetStats();
      const entry = await wrong.repository.load('iris', 's3://models/folder');
      expect(entry.state).toBe(ModelState.UNAVAILABLE);
      expect(entry.reason).toBe(
        'S3 rejected the access key ID for s3://models/folder (InvalidAccessKeyId): the key does not exist on that server; check AWS_ACCESS_KEY_ID in the credentials Secret',
      );
      const logged = JSON.stringify(wrong.logger.lines);
      for (const secret of ['AKIAWRONGKEY0000', 'wrong-secret-value-123']) {
        expect(entry.reason).not.toContain(secret);
        expect(logged).not.toContain(secret);
      }
      // Terminal: no retries.
      expect((await s3.stats()).listRequests).toBe(1);
      expect(await committedCacheFolders(wrong.cacheDir)).toEqual([]);
    } finally {
      await wrong.cleanup();
    }
  });

  it('fails with a clear error for a missing object, and for a missing bucket', async () => {
    const missingObject = await fixture.repository.load('a', 's3://models/does/not/exist.onnx');
    expect(missingObject).toMatchObject({
      state: ModelState.UNAVAILABLE,
      reason: 'no model found at s3://models/does/not/exist.onnx: no object has that key or lies under that prefix',
    });
    const missingBucket = await fixture.repository.load('b', 's3://no-such-bucket/iris');
    expect(missingBucket).toMatchObject({ state: ModelState.UNAVAILABLE, reason: "bucket 'no-such-bucket' does not exist (model URI s3://no-such-bucket/iris)" });
  });

  it('marks a corrupt object UNAVAILABLE with onnxruntime\'s reason while another S3 model serves', async () => {
    const [good, bad] = await fixture.repository.loadAll([
      { name: 'good', uri: 's3://models/folder' },
      { name: 'bad', uri: 's3://models/corrupt' },
    ]);
    expect(good?.state).toBe(ModelState.READY);
    expect(bad?.state).toBe(ModelState.UNAVAILABLE);
    expect(bad?.reason).toMatch(/^Load model from .*\/model\.onnx failed:Protobuf parsing failed\.$/);
  });

  it('refuses a URI whose prefix has a ../ segment before any request', async () => {
    await s3.resetStats();
    const entry = await fixture.repository.load('iris', 's3://models/folder/../single');
    expect(entry).toMatchObject({
      state: ModelState.UNAVAILABLE,
      reason: "invalid model URI 's3://models/folder/../single': the key prefix contains a '..' segment; use the model's canonical path",
    });
    expect((await s3.stats()).listRequests).toBe(0);
  });

  it('serves the same URI from the cache the second time (a listing, no object download), and pulls again when the bucket changed', async () => {
    await s3.createBucket('cached', { 'iris/model.onnx': IRIS, 'iris/notes.txt': 'v1' });
    await s3.resetStats();
    const first = await fixture.repository.load('iris', 's3://cached/iris');
    expect(first.state).toBe(ModelState.READY);
    expect((await s3.stats()).objectGets).toBe(2);

    const second = await fixture.repository.load('iris', 's3://cached/iris');
    expect(second.state).toBe(ModelState.READY);
    expect(second.model?.path).toBe(first.model?.path);
    expect(await s3.stats()).toMatchObject({ objectGets: 2, listRequests: 2 });
    expect(fixture.logger.messages()).toContain('using cached copy of s3://cached/iris (unchanged since it was pulled)');

    await put('iris/notes.txt', 'v2', 'cached');
    const third = await fixture.repository.load('iris', 's3://cached/iris');
    expect((await s3.stats()).objectGets).toBe(4);
    expect(await readFile(path.join(path.dirname(third.model!.path), 'notes.txt'), 'utf8')).toBe('v2');
    // The older copy is dropped once the new one is committed.
    expect(await committedCacheFolders(fixture.cacheDir)).toHaveLength(1);
  });

  it('downloads a 1,001-object prefix in parallel with at most --storage-concurrency requests in flight (counted by the server)', async () => {
    const objects: Record<string, Buffer | string> = { 'bulk/model.onnx': IRIS };
    for (let index = 0; index < 1000; index++) objects[`bulk/vocab/part-${String(index).padStart(4, '0')}.txt`] = `token ${index}\n`;
    await s3.createBucket('many', objects, 32);
    const peaks: number[] = [];
    for (const concurrency of [2, 6]) {
      const limited = await makeStorageFixture({ env: s3.env(), concurrency });
      try {
        await s3.resetStats();
        const entry = await limited.repository.load('bulk', 's3://many/bulk');
        expect(entry.state).toBe(ModelState.READY);
        const stats = await s3.stats();
        expect(stats.objectGets).toBe(1001);
        // ListObjectsV2 pages hold 1,000 keys: two pages prove pagination.
        expect(stats.listRequests).toBe(2);
        expect(stats.maxInFlightObjectGets).toBeLessThanOrEqual(concurrency);
        peaks.push(stats.maxInFlightObjectGets);
        const files = await listFiles(path.dirname(entry.model!.path));
        expect(files).toHaveLength(1001);
        expect(files[1000]).toBe('vocab/part-0999.txt');
      } finally {
        await limited.cleanup();
      }
    }
    // Parallel, and the limit (not the server) is what caps it: 6 allowed gets more than 2 allowed.
    expect(peaks[0]).toBe(2);
    expect(peaks[1]).toBeGreaterThan(2);
  });

  it('survives the server being killed mid-download: retries after restart, never lists a partial model, logs progress', async () => {
    const weights = randomBytes(64 * 1024 * 1024);
    await s3.createBucket('big', { 'model/model.onnx': IRIS, 'model/weights.bin': weights });
    const pulling = await makeStorageFixture({ env: s3.env(), maxAttempts: 10, retryBaseDelayMs: 100, progressIntervalMs: 20 });
    try {
      const loading = pulling.repository.load('big', 's3://big/model');
      // Kill the server once the big object is partly on disk (seen from outside, in the staging folder).
      const partial = await waitForPartialFile(path.join(pulling.cacheDir, '.staging'), 'weights.bin', 1024 * 1024);
      s3.kill();
      expect(partial).toBeLessThan(weights.length);
      expect(pulling.repository.get('big')?.state).toBe(ModelState.LOADING);
      expect(await committedCacheFolders(pulling.cacheDir)).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(pulling.repository.get('big')?.state).toBe(ModelState.LOADING);
      await s3.restart();

      const entry = await loading;
      expect(entry.state).toBe(ModelState.READY);
      const pulled = await readFile(path.join(path.dirname(entry.model!.path), 'weights.bin'));
      expect(sha256(pulled)).toBe(sha256(weights));
      const messages = pulling.logger.messages();
      expect(messages.some((line) => /^download of 'model\/weights\.bin' failed \(attempt \d+\), retrying in \d+ ms$/.test(line))).toBe(true);
      const progress = pulling.logger.lines.find((line) => line.message.startsWith('pulling s3://big/model: ') && line.message.includes(' of 64.0 MiB'));
      expect(progress?.fields).toMatchObject({ uri: 's3://big/model', totalBytes: weights.length + IRIS.length });
      expect(progress?.fields.bytesPerSecond).toEqual(expect.any(Number));
      expect(messages).toContain(messages.find((line) => /^pulled s3:\/\/big\/model: 64\.0 MiB in 2 files at .*\/s$/.test(line)));
      expect(await readdir(path.join(pulling.cacheDir, '.staging'))).toEqual([]);
    } finally {
      await pulling.cleanup();
    }
  });

  it('gives up with the attempt count when the server stays down, leaving no model and no staging debris', async () => {
    const down = await S3TestServer.start();
    await down.createBucket('gone', { 'm/model.onnx': IRIS });
    const endpoint = down.endpoint;
    await down.stop();
    const failing = await makeStorageFixture({ env: s3.env({ AWS_ENDPOINT_URL: endpoint }), maxAttempts: 3, retryBaseDelayMs: 20 });
    try {
      const entry = await failing.repository.load('m', 's3://gone/m');
      expect(entry.state).toBe(ModelState.UNAVAILABLE);
      expect(entry.reason).toMatch(/^connection to S3 failed for s3:\/\/gone\/m: .*ECONNREFUSED.* \(gave up after 3 attempts\)$/);
      expect(failing.logger.lines.filter((line) => line.level === 'warn')).toHaveLength(2);
      expect(await committedCacheFolders(failing.cacheDir)).toEqual([]);
    } finally {
      await failing.cleanup();
    }
  });

  it('reads credentials from a mounted shared-credentials file (AWS_SHARED_CREDENTIALS_FILE)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aws-credentials-'));
    const file = path.join(dir, 'credentials');
    await writeFile(file, '[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n');
    const fromFile = await makeStorageFixture({ env: { AWS_ENDPOINT_URL: s3.endpoint, AWS_SHARED_CREDENTIALS_FILE: file } });
    try {
      expect((await fromFile.repository.load('iris', 's3://models/single/iris.onnx')).state).toBe(ModelState.READY);
    } finally {
      await fromFile.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('speaks HTTPS to an endpoint trusted via AWS_CA_BUNDLE (or --storage-ca-bundle), or unverified with S3_VERIFY_SSL=0, and refuses it otherwise', async () => {
    const certificates = await makeTestCertificates();
    const secure = await S3TestServer.start({ key: certificates.serverKey, cert: certificates.serverCert, caFile: certificates.caFile });
    try {
      await secure.createBucket('tls', { 'iris/model.onnx': IRIS });
      expect(secure.endpoint.startsWith('https://')).toBe(true);
      const cases: [string, Parameters<typeof makeStorageFixture>[0]][] = [
        ['AWS_CA_BUNDLE', { env: secure.env({ AWS_CA_BUNDLE: certificates.caFile }) }],
        ['--storage-ca-bundle', { env: secure.env(), caBundleFile: certificates.caFile }],
        ['S3_VERIFY_SSL=0', { env: secure.env({ S3_VERIFY_SSL: '0' }) }],
      ];
      for (const [how, options] of cases) {
        const trusted = await makeStorageFixture(options);
        try {
          expect([how, (await trusted.repository.load('iris', 's3://tls/iris')).state]).toEqual([how, ModelState.READY]);
        } finally {
          await trusted.cleanup();
        }
      }
      const untrusting = await makeStorageFixture({ env: secure.env(), maxAttempts: 2, retryBaseDelayMs: 10 });
      try {
        const entry = await untrusting.repository.load('iris', 's3://tls/iris');
        expect(entry.state).toBe(ModelState.UNAVAILABLE);
        expect(entry.reason).toMatch(
          /^the TLS certificate of the S3 endpoint for s3:\/\/tls\/iris is not trusted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify the first certificate)\); pass its certificate authority with AWS_CA_BUNDLE or --storage-ca-bundle, or set S3_VERIFY_SSL=0 for a test store$/,
        );
        // Terminal: not retried.
        expect(untrusting.logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
      } finally {
        await untrusting.cleanup();
      }
    } finally {
      await secure.stop();
      await certificates.cleanup();
    }
  });

  it('sends unsigned requests with awsAnonymousCredential=true (public buckets)', async () => {
    const anonymous = await makeStorageFixture({ env: { AWS_ENDPOINT_URL: s3.endpoint, awsAnonymousCredential: 'true' } });
    try {
      expect((await anonymous.repository.load('iris', 's3://models/single/iris.onnx')).state).toBe(ModelState.READY);
    } finally {
      await anonymous.cleanup();
    }
  });
});

async function put(key: string, body: Buffer | string, bucket = 'models'): Promise<void> {
  const client = s3.client();
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  client.destroy();
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Polls (every 2 ms, up to 20 s) until a file of that name under `root` has at least `minBytes`; returns its size. */
async function waitForPartialFile(root: string, name: string, minBytes: number): Promise<number> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const entries = await readdir(root, { recursive: true }).catch(() => [] as string[]);
    for (const entry of entries) {
      if (path.basename(entry) !== name) continue;
      const size = (await stat(path.join(root, entry)).catch(() => undefined))?.size ?? 0;
      if (size >= minBytes) return size;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`no ${name} of ${minBytes} bytes appeared under ${root}`);
}
