/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ModelState } from '../../../../runtime/src/models/model';
import { makeTar } from '../../helpers/archives';
import { IRIS_FILE } from '../../helpers/paths';
import { type StorageFixture, committedCacheFolders, listFiles, makeStorageFixture } from '../../helpers/storage';
import { type TestCertificates, makeTestCertificates } from '../../helpers/tls';

const IRIS = readFileSync(IRIS_FILE);
const TOKEN = 'Bearer s3cr3t-model-store-token';

let certificates: TestCertificates;
let server: Server;
let base: string;
/** Requests the server saw, by path, and how many it answered 304. */
const requests: string[] = [];
let notModified = 0;
let flakyFailuresLeft = 0;
let stallsLeft = 0;

beforeAll(async () => {
  certificates = await makeTestCertificates();
  const irisTarGz = await makeTar([{ name: 'iris/1/model.onnx', content: IRIS }]);
  const evilTarGz = await makeTar([{ name: '../escape.onnx', content: 'owned' }]);
  server = createServer({ key: certificates.serverKey, cert: certificates.serverCert }, (request, response) => {
    const url = new URL(request.url ?? '/', 'https://127.0.0.1');
    requests.push(url.pathname);
    const send = (status: number, type: string, body: Buffer | string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
      response.end(body);
    };
    switch (url.pathname) {
      case '/models/iris.onnx':
        if (request.headers['if-none-match'] === '"iris-v1"') {
          notModified++;
          response.writeHead(304).end();
          return;
        }
        return send(200, 'application/octet-stream', IRIS, { etag: '"iris-v1"' });
      case '/models/iris.tar.gz':
        return send(200, 'application/gzip', irisTarGz);
      case '/models/evil.tar.gz':
        return send(200, 'application/gzip', evilTarGz);
      case '/models/login.onnx':
        return send(200, 'text/html; charset=utf-8', '<html>please sign in</html>');
      case '/private/iris.onnx':
        if (request.headers.authorization !== TOKEN) return send(403, 'text/plain', 'forbidden');
        return send(200, 'application/octet-stream', IRIS);
      case '/flaky/iris.onnx':
        if (flakyFailuresLeft > 0) {
          flakyFailuresLeft--;
          return send(503, 'text/plain', 'busy');
        }
        return send(200, 'application/octet-stream', IRIS);
      case '/stall/iris.onnx':
        if (stallsLeft > 0) {
          stallsLeft--;
          // Headers and half the body, then silence: a hung server, not a closed connection.
          response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': IRIS.length });
          response.write(IRIS.subarray(0, IRIS.length / 2));
          return;
        }
        return send(200, 'application/octet-stream', IRIS);
      case '/moved/iris.onnx':
        response.writeHead(302, { location: '/models/iris.onnx' }).end();
        return;
      default:
        return send(404, 'text/plain', 'not found');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await certificates.cleanup();
});

let fixture: StorageFixture;

beforeEach(async () => {
  requests.length = 0;
  notModified = 0;
  fixture = await makeStorageFixture({ caBundleFile: certificates.caFile, env: {} });
});

afterEach(async () => {
  await fixture.cleanup();
});

describe('https:// pulls from a local HTTPS server with a self-signed CA', () => {
  it('downloads a model file trusted through the CA bundle option, then revalidates it (304) instead of downloading again', async () => {
    const first = await fixture.repository.load('iris', `${base}/models/iris.onnx`);
    expect(first.state).toBe(ModelState.READY);
    expect(path.basename(first.model!.path)).toBe('iris.onnx');
    const second = await fixture.repository.load('iris', `${base}/models/iris.onnx`);
    expect(second.model?.path).toBe(first.model?.path);
    expect(notModified).toBe(1);
    expect(fixture.logger.messages()).toContain(`using cached copy of ${base}/models/iris.onnx (the server says it is unchanged)`);
  });

  it('refuses the server without the CA, with a terminal error that names the option to fix it', async () => {
    const untrusting = await makeStorageFixture({ env: {} });
    try {
      const entry = await untrusting.repository.load('iris', `${base}/models/iris.onnx`);
      expect(entry.state).toBe(ModelState.UNAVAILABLE);
      expect(entry.reason).toMatch(
        new RegExp(`^the TLS certificate of ${base.replace(/\./g, '\\.')}/models/iris\\.onnx is not trusted \\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\\); pass its certificate authority with --storage-ca-bundle \\(KFS_STORAGE_CA_BUNDLE\\)$`),
      );
      expect(requests).toEqual([]);
    } finally {
      await untrusting.cleanup();
    }
  });

  it('unpacks a .tar.gz served as application/gzip', async () => {
    const entry = await fixture.repository.load('iris', `${base}/models/iris.tar.gz`);
    expect(entry.state).toBe(ModelState.READY);
    expect(entry.model?.version).toBe('1');
  });

  it('refuses a ../ entry in a downloaded archive and commits nothing', async () => {
    const entry = await fixture.repository.load('evil', `${base}/models/evil.tar.gz`);
    expect(entry).toMatchObject({
      state: ModelState.UNAVAILABLE,
      reason: `refused archive entry "../escape.onnx" in ${base}/models/evil.tar.gz: it contains a '..' segment, which could write outside the model folder`,
    });
    expect(await committedCacheFolders(fixture.cacheDir)).toEqual([]);
    expect(await listFiles(fixture.cacheDir)).toEqual([]);
  });

  it('sends the <hostname>-headers headers, and fails with 403 without them, never naming the token', async () => {
    const withHeaders = await makeStorageFixture({ caBundleFile: certificates.caFile, env: { '127.0.0.1-headers': JSON.stringify({ Authorization: TOKEN }) } });
    try {
      expect((await withHeaders.repository.load('iris', `${base}/private/iris.onnx`)).state).toBe(ModelState.READY);
      expect(JSON.stringify(withHeaders.logger.lines)).not.toContain('s3cr3t');
    } finally {
      await withHeaders.cleanup();
    }
    const denied = await fixture.repository.load('iris', `${base}/private/iris.onnx`);
    expect(denied).toMatchObject({ state: ModelState.UNAVAILABLE, reason: `access to ${base}/private/iris.onnx was denied (HTTP 403); check the credentials it needs` });
  });

  it("refuses a model file served as text/html (KServe's content-type rule)", async () => {
    const entry = await fixture.repository.load('iris', `${base}/models/login.onnx`);
    expect(entry.reason).toBe(
      `${base}/models/login.onnx was served as 'text/html'; KServe's rule for a model file is application/octet-stream, so an error or login page is never loaded as a model`,
    );
  });

  it('retries 503 answers with backoff and then succeeds', async () => {
    flakyFailuresLeft = 2;
    const entry = await fixture.repository.load('iris', `${base}/flaky/iris.onnx`);
    expect(entry.state).toBe(ModelState.READY);
    expect(requests).toEqual(['/flaky/iris.onnx', '/flaky/iris.onnx', '/flaky/iris.onnx']);
    expect(fixture.logger.lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual([
      expect.stringMatching(new RegExp(`^download of ${base.replace(/\./g, '\\.')}/flaky/iris\\.onnx failed \\(attempt 1\\), retrying in \\d+ ms$`)),
      expect.stringMatching(/\(attempt 2\), retrying in \d+ ms$/),
    ]);
  });

  it('fails a 404 at once, and keeps a presigned URL\'s query string out of the message', async () => {
    const entry = await fixture.repository.load('iris', `${base}/models/gone.onnx?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIAEXAMPLE`);
    expect(entry.reason).toBe(`${base}/models/gone.onnx?<redacted> does not exist (HTTP 404)`);
    expect(requests).toEqual(['/models/gone.onnx']);
    expect(JSON.stringify(fixture.logger.lines)).not.toContain('deadbeef');
  });

  it('abandons a download that stalls midway after the read timeout, retries, and serves only the complete file', async () => {
    stallsLeft = 1;
    const impatient = await makeStorageFixture({ caBundleFile: certificates.caFile, env: {}, readTimeoutMs: 300 });
    try {
      const entry = await impatient.repository.load('iris', `${base}/stall/iris.onnx`);
      expect(entry.state).toBe(ModelState.READY);
      expect(requests).toEqual(['/stall/iris.onnx', '/stall/iris.onnx']);
      expect(impatient.logger.lines.find((line) => line.level === 'warn')?.fields.error).toBe(`connection failed for ${base}/stall/iris.onnx: ETIMEDOUT: no data for 300 ms`);
      expect(readFileSync(entry.model!.path)).toEqual(IRIS);
    } finally {
      await impatient.cleanup();
    }
  });

  it('follows a same-origin redirect', async () => {
    const entry = await fixture.repository.load('iris', `${base}/moved/iris.onnx`);
    expect(entry.state).toBe(ModelState.READY);
    expect(requests).toEqual(['/moved/iris.onnx', '/models/iris.onnx']);
  });
});
