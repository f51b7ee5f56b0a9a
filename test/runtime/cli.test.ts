import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { expectedOutput, loadIrisExpected } from './helpers/iris-expected';
import { S3TestServer } from './helpers/s3-server';
import { makeTestCertificates } from './helpers/tls';
import { REPO_ROOT } from './helpers/paths';

const CLI = path.join(REPO_ROOT, 'runtime', 'bin', 'kfs-runtime.js');
const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** A spawned kfs-runtime with its output collected as it arrives. */
interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): RunningCli {
  // process.execPath is the Node that runs jest (the project's pinned Node 24).
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** pino writes one JSON object per line; returns those with the given message. */
function logLines(output: string): { msg: string; [key: string]: unknown }[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string });
}

describe('kfs-runtime executable', () => {
  beforeAll(async () => {
    // The executable runs the compiled build, as the published package does.
    await promisify(execFile)(process.execPath, [TSC, '-p', path.join(REPO_ROOT, 'runtime', 'tsconfig.json')], { cwd: REPO_ROOT });
  }, 120_000);

  it('serves iris, logs the model and address, and exits 0 on SIGTERM', async () => {
    const cli = runCli(['serve', '--model', 'iris=models/iris', '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0', '--drain-seconds', '0', '--host', '127.0.0.1']);
    try {
      const listening = await waitFor('the listening log line', async () =>
        logLines(cli.stdout()).find((line) => line.msg.startsWith('Server listening at ')),
      );
      const url = listening.msg.slice('Server listening at '.length);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      await waitFor('readiness', async () => ((await fetch(`${url}/v2/health/ready`)).status === 200 ? true : undefined));
      // stdout is a pipe: the log line may arrive after the HTTP answer that proves the model is READY.
      const loaded = await waitFor('the model-loaded log line', async () => logLines(cli.stdout()).find((line) => line.msg === "model 'iris' loaded"));
      expect(loaded).toMatchObject({
        model: 'iris',
        version: '1',
        path: path.join(REPO_ROOT, 'models', 'iris', '1', 'model.onnx'),
        loadMs: expect.any(Number) as unknown,
      });

      const expected = loadIrisExpected();
      const response = await fetch(`${url}/v2/models/iris/infer`, { method: 'POST', body: Buffer.from(JSON.stringify(expected.request)) });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { outputs: { name: string; data: number[] }[] };
      expect(body.outputs.find((output) => output.name === 'label')?.data).toEqual(expectedOutput(expected, 'label').data);

      cli.child.kill('SIGTERM');
      expect(await cli.exit).toEqual({ code: 0, signal: null });
      expect(logLines(cli.stdout()).some((line) => line.msg === 'shutting down' && line.signal === 'SIGTERM')).toBe(true);
      expect(cli.stderr()).toBe('');
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('exits 2 with the reason for an unsupported storage scheme', async () => {
    const cli = runCli(['serve', '--model', 'iris=hf://org/iris']);
    expect(await cli.exit).toEqual({ code: 2, signal: null });
    expect(cli.stderr()).toBe(
      "kfs-runtime: --model: storage scheme 'hf' is not supported (model URI 'hf://org/iris'); use one of s3://, gs://, https://, http://, pvc://, file:// or a local path\n" +
        "Run 'kfs-runtime serve --help' for usage.\n",
    );
  });

  it('pulls one model over HTTPS trusted via --storage-ca-bundle and one from S3 via KServe\'s env vars, then serves both', async () => {
    const certificates = await makeTestCertificates();
    const iris = readFileSync(path.join(REPO_ROOT, 'models', 'iris', '1', 'model.onnx'));
    const https = createHttpsServer({ key: certificates.serverKey, cert: certificates.serverCert }, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': iris.length }).end(iris);
    });
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    const s3 = await S3TestServer.start();
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'kfs-cli-cache-'));
    let cli: RunningCli | undefined;
    try {
      await s3.createBucket('models', { 'iris/1/model.onnx': iris });
      const httpsUrl = `https://127.0.0.1:${(https.address() as { port: number }).port}/iris.onnx`;
      cli = runCli(
        ['serve', '--model', `web=${httpsUrl}`, '--model', 'bucket=s3://models/iris', '--storage-ca-bundle', certificates.caFile, '--model-cache-dir', cacheDir, '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0', '--host', '127.0.0.1'],
        { ...process.env, ...s3.env() },
      );
      const running = cli;
      const listening = await waitFor('the listening log line', async () => logLines(running.stdout()).find((line) => line.msg.startsWith('Server listening at ')));
      const url = listening.msg.slice('Server listening at '.length);
      await waitFor('readiness', async () => ((await fetch(`${url}/v2/health/ready`)).status === 200 ? true : undefined));
      const expected = loadIrisExpected();
      for (const model of ['web', 'bucket']) {
        const response = await fetch(`${url}/v2/models/${model}/infer`, { method: 'POST', body: Buffer.from(JSON.stringify(expected.request)) });
        expect(response.status).toBe(200);
      }
      const pulled = logLines(running.stdout()).filter((line) => line.msg.startsWith('pulled ')).map((line) => line.uri);
      expect(pulled.sort()).toEqual([httpsUrl, 's3://models/iris']);
      expect(running.stdout()).not.toContain('S3RVER');
    } finally {
      cli?.child.kill('SIGKILL');
      https.close();
      await s3.stop();
      await certificates.cleanup();
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  it('exits 2 for an unknown command', async () => {
    const cli = runCli(['train']);
    expect(await cli.exit).toEqual({ code: 2, signal: null });
    expect(cli.stderr()).toBe("kfs-runtime: unknown command 'train'\nRun 'kfs-runtime --help' for usage.\n");
  });

  it('controller: exits 2 without --config, pointing at its own help', async () => {
    const cli = runCli(['controller']);
    expect(await cli.exit).toEqual({ code: 2, signal: null });
    expect(cli.stderr()).toBe("kfs-runtime: --config is required: the controller configuration file (written by the ModelController construct)\nRun 'kfs-runtime controller --help' for usage.\n");
  });

  it('prints serve usage for --help and exits 0', async () => {
    const cli = runCli(['serve', '--help']);
    expect(await cli.exit).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toContain('Usage: kfs-runtime serve [options]');
    expect(cli.stdout()).toContain('--model NAME=PATH_OR_URI');
  });

  it('exits 1 with the reason when the port is taken', async () => {
    const blocker: Server = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const cli = runCli(['serve', '--model', 'iris=models/iris', '--http-port', String(port), '--grpc-port', '0', '--metrics-port', '0', '--host', '127.0.0.1']);
      expect(await cli.exit).toEqual({ code: 1, signal: null });
      expect(cli.stderr()).toContain(`kfs-runtime: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
    } finally {
      blocker.close();
    }
  });
});
