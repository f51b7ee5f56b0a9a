import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

/** Options of {@link warmUpCodeCache}. */
export interface WarmUpOptions {
  /** The staged Node executable. */
  readonly node: string;
  /** The staged entry point (code-cache-loader.ts bundled). */
  readonly loader: string;
  /** Where the V8 code cache goes (beside the server bundle). */
  readonly cacheFile: string;
  /** A model folder (`models/iris`) and its expected.json request, to exercise the inference path. */
  readonly modelDir: string;
  readonly modelName: string;
  readonly environment: NodeJS.ProcessEnv;
}

const STARTUP_TIMEOUT_MS = 60_000;

/**
 * Runs the staged server once, so its loader can write the V8 code cache of everything the startup
 * and first inference compiled: waits for the listening and model-loaded log lines, checks readiness,
 * sends one inference and expects a 200, then stops it with SIGTERM (the loader writes at exit).
 * Doubles as a smoke test of the staged tree before it is committed.
 *
 * `--predictable` makes V8 single-threaded with a fixed hash seed, so two builds write byte-identical
 * caches; V8 leaves the flag out of the cache's flag hash, so the image (which runs without it) accepts
 * the cache. The steps happen in one fixed order for the same reason.
 */
export async function warmUpCodeCache(options: WarmUpOptions): Promise<void> {
  const request = JSON.parse(readFileSync(path.join(options.modelDir, '1', 'expected.json'), 'utf8')) as { request: unknown };
  const child = spawn(options.node, ['--predictable', options.loader, 'serve', `--model=${options.modelName}=${options.modelDir}`, '--host=127.0.0.1', '--http-port=0', '--grpc-port=0', '--metrics-port=0', '--drain-seconds=0'], {
    env: { ...options.environment, KFS_CODE_CACHE_OUT: options.cacheFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), STARTUP_TIMEOUT_MS);
  try {
    const port = await waitForStartup(child.stdout, options.modelName);
    const base = `http://127.0.0.1:${port}`;
    const ready = await fetch(`${base}/v2/health/ready`);
    await ready.arrayBuffer();
    if (ready.status !== 200) throw new Error(`GET /v2/health/ready answered ${ready.status}`);
    const infer = await fetch(`${base}/v2/models/${options.modelName}/infer`, { method: 'POST', body: JSON.stringify(request.request), headers: { 'content-type': 'application/json' } });
    const body = await infer.text();
    if (infer.status !== 200) throw new Error(`POST /v2/models/${options.modelName}/infer answered ${infer.status}: ${body}`);
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`exited with status ${code} after SIGTERM`);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`the staged server failed its warm-up run: ${(error as Error).message}\n${stderr.join('')}`);
  } finally {
    clearTimeout(timer);
  }
  if (!existsSync(options.cacheFile)) throw new Error(`the warm-up run wrote no code cache at ${options.cacheFile}`);
}

/** Reads the server's JSON log lines until it listens and the model loaded; resolves with the port. */
function waitForStartup(stdout: NodeJS.ReadableStream, modelName: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let port: number | undefined;
    let loaded = false;
    const lines = createInterface({ input: stdout });
    lines.on('line', (line) => {
      let message: string;
      try {
        message = (JSON.parse(line) as { msg?: string }).msg ?? '';
      } catch {
        return; // not a log line
      }
      const listening = /^Server listening at http:\/\/127\.0\.0\.1:(\d+)$/.exec(message);
      if (listening !== null) port = Number(listening[1]);
      if (message === `model '${modelName}' loaded`) loaded = true;
      if (/failed|error/i.test(message)) reject(new Error(`server logged: ${line}`));
      if (port !== undefined && loaded) resolve(port);
    });
    lines.once('close', () => reject(new Error('the server exited before it was ready')));
  });
}
