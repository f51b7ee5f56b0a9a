import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** s3rver's built-in account; anything else is an unknown access key to it. */
export const S3_ACCESS_KEY_ID = 'S3RVER';
export const S3_SECRET_ACCESS_KEY = 'S3RVER';

/** A server certificate for HTTPS, and the CA file clients must trust. */
export interface S3ServerTls {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly caFile: string;
}

/** What the server itself counted (see s3-server-process.js). */
export interface S3ServerStats {
  readonly objectGets: number;
  readonly listRequests: number;
  readonly inFlightObjectGets: number;
  readonly maxInFlightObjectGets: number;
}

/**
 * A real S3-compatible server (s3rver) on 127.0.0.1 in a child process, with its data in a temporary
 * folder, so tests can kill it with SIGKILL and start it again on the same port with the same data.
 */
export class S3TestServer {
  #child: ChildProcess | undefined;

  private constructor(
    readonly directory: string,
    public port: number,
    private readonly tls: S3ServerTls | undefined,
  ) {}

  /** Starts a server on a free port with an empty data folder; HTTPS when given a key and certificate. */
  static async start(tls?: S3ServerTls): Promise<S3TestServer> {
    const server = new S3TestServer(await mkdtemp(path.join(tmpdir(), 's3rver-')), 0, tls);
    await server.#spawn();
    return server;
  }

  get endpoint(): string {
    return `${this.tls === undefined ? 'http' : 'https'}://127.0.0.1:${this.port}`;
  }

  /** Environment for kfs-runtime's storage, under KServe's variable names. */
  env(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { AWS_ENDPOINT_URL: this.endpoint, AWS_ACCESS_KEY_ID: S3_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION: 'us-east-1', ...overrides };
  }

  client(): S3Client {
    const tls = this.tls;
    return new S3Client({
      endpoint: this.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
      ...(tls === undefined ? {} : { requestHandler: new NodeHttpHandler({ httpsAgent: new HttpsAgent({ ca: readFileSync(tls.caFile) }) }) }),
    });
  }

  async createBucket(bucket: string, objects: Record<string, Buffer | string> = {}, concurrency = 16): Promise<void> {
    const client = this.client();
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const entries = Object.entries(objects);
    for (let start = 0; start < entries.length; start += concurrency) {
      await Promise.all(entries.slice(start, start + concurrency).map(([key, body]) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))));
    }
    client.destroy();
  }

  async stats(): Promise<S3ServerStats> {
    return this.#ask('stats');
  }

  /** Zeroes the counters (the in-flight peak restarts from what is in flight now). */
  async resetStats(): Promise<S3ServerStats> {
    return this.#ask('reset-stats');
  }

  /** SIGKILL: the server dies mid-response, as a crashed or evicted store would. */
  kill(): void {
    this.#child?.kill('SIGKILL');
  }

  /** Starts the server again on the same port with the same data. */
  async restart(): Promise<void> {
    await this.#spawn();
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(this.directory, { recursive: true, force: true });
  }

  async #spawn(): Promise<void> {
    const tls = this.tls === undefined ? {} : { key: this.tls.key.toString(), cert: this.tls.cert.toString() };
    const child = fork(path.join(__dirname, 's3-server-process.js'), [JSON.stringify({ port: this.port, directory: this.directory, ...tls })], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers
      // through its legacy provider; without it every listing of more than 1,000 keys is a 500.
      execArgv: ['--openssl-legacy-provider'],
    });
    this.#child = child;
    this.port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`s3rver exited with ${code} before listening`)));
      child.on('message', (message: { type: string; port?: number }) => {
        if (message.type === 'listening' && message.port !== undefined) resolve(message.port);
      });
    });
    child.removeAllListeners('exit');
  }

  #ask(type: 'stats' | 'reset-stats'): Promise<S3ServerStats> {
    const child = this.#child;
    if (child === undefined) throw new Error('s3rver is not running');
    return new Promise((resolve) => {
      const onMessage = (message: { type: string; stats?: S3ServerStats }) => {
        if (message.type !== 'stats' || message.stats === undefined) return;
        child.off('message', onMessage);
        resolve(message.stats);
      };
      child.on('message', onMessage);
      child.send({ type });
    });
  }
}
