import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import * as path from 'node:path';

/** Where scripts/fake-gcs-server.sh (run by .ci/run and npm test) installs the binary: outside the clone, in the cache folder. */
export function fakeGcsServerBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FAKE_GCS_SERVER) return env.FAKE_GCS_SERVER;
  return path.join(env.KFS_CACHE_DIR ?? path.join(homedir(), '.cache', 'cdk8s-kfserving'), 'bin', 'fake-gcs-server');
}

/**
 * fake-gcs-server (github.com/fsouza/fake-gcs-server), a real GCS JSON-API server, on 127.0.0.1 with
 * an in-memory backend. Its request log is kept so tests can count downloads from the server's side.
 */
export class FakeGcsServer {
  #log = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.#log += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.#log += chunk.toString()));
  }

  static async start(): Promise<FakeGcsServer> {
    const binary = fakeGcsServerBinary();
    if (!existsSync(binary)) {
      throw new Error(
        `fake-gcs-server is not installed at ${binary}; install Go and run scripts/fake-gcs-server.sh (npm test runs it first)`,
      );
    }
    const port = await freePort();
    // -host defaults to 0.0.0.0: bind loopback only.
    const child = spawn(binary, ['-scheme', 'http', '-host', '127.0.0.1', '-port', String(port), '-public-host', `127.0.0.1:${port}`, '-backend', 'memory', '-log-level', 'info'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new FakeGcsServer(child, port);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`fake-gcs-server exited with ${child.exitCode}: ${server.#log}`);
      const ready = await fetch(`${server.endpoint}/storage/v1/b`).then((response) => response.ok, () => false);
      if (ready) return server;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
    throw new Error('fake-gcs-server did not answer within 15 s');
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async createBucket(bucket: string, objects: Record<string, Buffer | string> = {}): Promise<void> {
    const created = await fetch(`${this.endpoint}/storage/v1/b`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: bucket }) });
    if (!created.ok) throw new Error(`creating bucket ${bucket}: HTTP ${created.status}`);
    for (const [name, content] of Object.entries(objects)) {
      const url = new URL(`${this.endpoint}/upload/storage/v1/b/${bucket}/o`);
      url.searchParams.set('uploadType', 'media');
      url.searchParams.set('name', name);
      const uploaded = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(content) });
      if (!uploaded.ok) throw new Error(`uploading ${name}: HTTP ${uploaded.status}`);
    }
  }

  /** Media downloads (`alt=media`) the server has logged so far. */
  downloadCount(): number {
    return this.#log.split('\n').filter((line) => line.includes('alt=media')).length;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
