/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ModelState } from '../../../../runtime/src/models/model';
import { FakeGcsServer } from '../../helpers/fake-gcs-server';
import { IRIS_FILE } from '../../helpers/paths';
import { type StorageFixture, committedCacheFolders, listFiles, makeStorageFixture } from '../../helpers/storage';
import { type TestCertificates, makeTestCertificates } from '../../helpers/tls';

const IRIS = readFileSync(IRIS_FILE);
let gcs: FakeGcsServer;
let fixture: StorageFixture;

beforeAll(async () => {
  gcs = await FakeGcsServer.start();
  await gcs.createBucket('models', {
    'iris/1/model.onnx': IRIS,
    'iris/2/model.onnx': IRIS,
    'iris/README.md': 'two versions',
    'single/iris.onnx': IRIS,
    'evil/../../escape.onnx': 'owned',
  });
});

afterAll(async () => {
  await gcs.stop();
});

beforeEach(async () => {
  fixture = await makeStorageFixture({ env: { STORAGE_EMULATOR_HOST: gcs.endpoint } });
});

afterEach(async () => {
  await fixture.cleanup();
});

describe('gs:// pulls from a real fake-gcs-server on 127.0.0.1', () => {
  it('pulls a folder prefix anonymously and serves the highest version', async () => {
    const entry = await fixture.repository.load('iris', 'gs://models/iris');
    expect(entry.state).toBe(ModelState.READY);
    expect(entry.model?.version).toBe('2');
    expect(await listFiles(path.dirname(path.dirname(entry.model!.path)))).toEqual(['1/model.onnx', '2/model.onnx', 'README.md']);
  });

  it('pulls a single object and serves it from the cache the second time (no media download logged)', async () => {
    const first = await fixture.repository.load('iris', 'gs://models/single/iris.onnx');
    expect(first.state).toBe(ModelState.READY);
    const downloads = gcs.downloadCount();
    expect(downloads).toBeGreaterThan(0);
    const second = await fixture.repository.load('iris', 'gs://models/single/iris.onnx');
    expect(second.model?.path).toBe(first.model?.path);
    expect(gcs.downloadCount()).toBe(downloads);
  });

  it('refuses an object whose name climbs out of the prefix (evil/../../escape.onnx) before downloading anything', async () => {
    const entry = await fixture.repository.load('evil', 'gs://models/evil');
    expect(entry).toMatchObject({
      state: ModelState.UNAVAILABLE,
      reason: "refused object key \"evil/../../escape.onnx\" in gs://models/evil: its path contains a '..' segment, which could write outside the model folder",
    });
    expect(await committedCacheFolders(fixture.cacheDir)).toEqual([]);
  });

  it('fails with clear errors for a missing bucket and a missing prefix', async () => {
    expect((await fixture.repository.load('a', 'gs://no-such-bucket/iris')).reason).toBe("bucket 'no-such-bucket' does not exist (model URI gs://no-such-bucket/iris)");
    expect((await fixture.repository.load('b', 'gs://models/nothing')).reason).toBe('no model found at gs://models/nothing: no object has that key or lies under that prefix');
  });

  it('asks the metadata server named by GCE_METADATA_HOST for a token (Workload Identity; a fake metadata server on loopback)', async () => {
    const seen: { path: string; flavor: string | undefined }[] = [];
    const metadata = createHttpServer((request, response) => {
      seen.push({ path: request.url ?? '', flavor: request.headers['metadata-flavor'] as string | undefined });
      response.writeHead(200, { 'content-type': 'application/json', 'metadata-flavor': 'Google' }).end(JSON.stringify({ access_token: 'ya29.workload', expires_in: 3599, token_type: 'Bearer' }));
    });
    metadata.listen(0, '127.0.0.1');
    await once(metadata, 'listening');
    const withIdentity = await makeStorageFixture({ env: { STORAGE_EMULATOR_HOST: gcs.endpoint, GCE_METADATA_HOST: `127.0.0.1:${(metadata.address() as AddressInfo).port}` } });
    try {
      expect((await withIdentity.repository.load('iris', 'gs://models/iris')).state).toBe(ModelState.READY);
      // One token for the listing and every download: it is cached until shortly before it expires.
      expect(seen).toEqual([{ path: '/computeMetadata/v1/instance/service-accounts/default/token', flavor: 'Google' }]);
    } finally {
      await withIdentity.cleanup();
      metadata.close();
    }
  });

  describe('with a service-account key (GOOGLE_APPLICATION_CREDENTIALS)', () => {
    let certificates: TestCertificates;
    let tokenServer: Server;
    let keyDir: string;
    const grants: { scope: string; aud: string; iss: string }[] = [];
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

    beforeAll(async () => {
      certificates = await makeTestCertificates();
      keyDir = await mkdtemp(path.join(tmpdir(), 'kfs-gcs-key-'));
      // A fake OAuth token endpoint (fake-gcs-server ignores tokens): it checks the JWT-bearer grant
      // the way Google's does — RS256 signature by the key's public half, audience, scope.
      tokenServer = createServer({ key: certificates.serverKey, cert: certificates.serverCert }, (request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          const form = new URLSearchParams(body);
          const [header, claims, signature] = (form.get('assertion') ?? '').split('.');
          const valid =
            form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
            createVerify('RSA-SHA256').update(`${header}.${claims}`).verify(publicKey, Buffer.from(signature ?? '', 'base64url'));
          if (!valid) {
            response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
            return;
          }
          grants.push(JSON.parse(Buffer.from(claims ?? '', 'base64url').toString()) as (typeof grants)[number]);
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'ya29.test-token', expires_in: 3600, token_type: 'Bearer' }));
        });
      });
      tokenServer.listen(0, '127.0.0.1');
      await once(tokenServer, 'listening');
    });

    afterAll(async () => {
      tokenServer.close();
      await certificates.cleanup();
      await rm(keyDir, { recursive: true, force: true });
    });

    it('exchanges a signed JWT for a token (fake token endpoint) and pulls with it', async () => {
      const tokenUri = `https://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
      const keyFile = path.join(keyDir, 'gcloud-application-credentials.json');
      const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      await writeFile(keyFile, JSON.stringify({ type: 'service_account', client_email: 'puller@project.iam.gserviceaccount.com', private_key: privateKeyPem, token_uri: tokenUri }));
      const withKey = await makeStorageFixture({ caBundleFile: certificates.caFile, env: { STORAGE_EMULATOR_HOST: gcs.endpoint, GOOGLE_APPLICATION_CREDENTIALS: keyFile } });
      try {
        const entry = await withKey.repository.load('iris', 'gs://models/iris');
        expect(entry.state).toBe(ModelState.READY);
        expect(grants).toEqual([expect.objectContaining({ iss: 'puller@project.iam.gserviceaccount.com', aud: tokenUri, scope: 'https://www.googleapis.com/auth/devstorage.read_only' })]);
      } finally {
        await withKey.cleanup();
      }
    });

    it('fails clearly for a key file that is not a service-account key, without quoting it', async () => {
      const keyFile = path.join(keyDir, 'broken.json');
      await writeFile(keyFile, '{"type":"authorized_user","private_key":"-----BEGIN PRIVATE KEY-----secret"');
      const broken = await makeStorageFixture({ env: { STORAGE_EMULATOR_HOST: gcs.endpoint, GOOGLE_APPLICATION_CREDENTIALS: keyFile } });
      try {
        const entry = await broken.repository.load('iris', 'gs://models/iris');
        expect(entry.reason).toBe(`cannot read the service-account key '${keyFile}' (GOOGLE_APPLICATION_CREDENTIALS): SyntaxError`);
        expect(entry.reason).not.toContain('secret');
      } finally {
        await broken.cleanup();
      }
    });
  });
});
