/**
 * Benchmark: cold start of a real `kfs-runtime serve` process, from spawn to the first successful
 * inference, for the iris model pulled from a local S3 server (s3rver on 127.0.0.1, empty cache each
 * run) and, as the baseline in the same run, the same model read from a local folder. Runs alternate
 * so drift hits both equally. A third row shows a restart that finds the S3 model in its cache.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { S3TestServer } from '../test/runtime/helpers/s3-server';

const RUNS = 10;
const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'runtime', 'bin', 'kfs-runtime.js');
const IRIS_DIR = path.join(ROOT, 'models', 'iris');
const IRIS_REQUEST = JSON.stringify((JSON.parse(readFileSync(path.join(IRIS_DIR, '1', 'expected.json'), 'utf8')) as { request: unknown }).request);

/** Spawns the server and resolves with milliseconds until the first 200 from infer. */
async function coldStart(uri: string, cacheDir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--model', `iris=${uri}`, '--model-cache-dir', cacheDir, '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0', '--host', '127.0.0.1'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"msg":"Server listening at (http:\/\/[^"]+)"/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`kfs-runtime exited with ${code} before listening:\n${output}`)));
    });
    for (;;) {
      const response = await fetch(`${url}/v2/models/iris/infer`, { method: 'POST', body: Buffer.from(IRIS_REQUEST) }).catch(() => undefined);
      if (response?.status === 200) {
        await response.arrayBuffer();
        return performance.now() - started;
      }
      await response?.arrayBuffer();
      if (child.exitCode !== null) throw new Error(`kfs-runtime exited with ${child.exitCode} before a successful inference from ${uri}`);
      if (performance.now() - started > 30_000) throw new Error(`no successful inference from ${uri} within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    child.kill('SIGKILL');
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 0 ? ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2 : (sorted[Math.floor(middle)] ?? 0);
}

export async function runColdStartBenchmark(): Promise<void> {
  // The executable runs the compiled build, as the image does.
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'runtime', 'tsconfig.json')], { cwd: ROOT });
  const s3 = await S3TestServer.start();
  const work = await mkdtemp(path.join(tmpdir(), 'kfs-bench-cold-'));
  try {
    await s3.createBucket('bench', { 'iris/1/model.onnx': readFileSync(path.join(IRIS_DIR, '1', 'model.onnx')) });
    const local: number[] = [];
    const pulled: number[] = [];
    const cached: number[] = [];
    const warmCache = path.join(work, 'warm');
    await coldStart('s3://bench/iris', warmCache, s3.env()); // fills the warm cache; not counted
    for (let run = 0; run < RUNS; run++) {
      local.push(await coldStart(IRIS_DIR, path.join(work, `local-${run}`), {}));
      pulled.push(await coldStart('s3://bench/iris', path.join(work, `cold-${run}`), s3.env()));
      cached.push(await coldStart('s3://bench/iris', warmCache, s3.env()));
    }
    const base = median(local);
    console.log(`cold start: process spawn → first successful iris inference (median of ${RUNS}):`);
    console.log(`  s3:// pull, empty cache      ${median(pulled).toFixed(0).padStart(6)} ms   ratio ${(median(pulled) / base).toFixed(2)}×`);
    console.log(`  s3:// again, cache hit       ${median(cached).toFixed(0).padStart(6)} ms   ratio ${(median(cached) / base).toFixed(2)}×`);
    console.log(`  baseline: local folder       ${base.toFixed(0).padStart(6)} ms`);
  } finally {
    await s3.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runColdStartBenchmark().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
