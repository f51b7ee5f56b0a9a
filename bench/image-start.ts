/**
 * Cold start and idle memory of a kfs-runtime process: time from its exec to the first 200 from
 * /v2/models/iris/infer (polled every 2 ms), the CPU it used by then (all threads, from
 * /proc/<pid>/task/<tid>/schedstat, which also says how long it waited for a CPU), and its RSS
 * 2 s after that answer, split into anonymous and file-backed pages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { waitForInference } from '../test/image/helpers/wait-for-inference';

export interface StartSample {
  /** exec of the server → first successful inference, ms. */
  readonly coldStartMs: number;
  /** spawn → exec of the server: what the harness did first (namespaces, mounts), ms. */
  readonly setupMs: number;
  /** CPU time on all threads until then, ms. */
  readonly cpuMs: number;
  /** Time its threads were runnable but waiting for a CPU, ms (high on a shared machine). */
  readonly runQueueMs: number;
  readonly rssBytes: number;
  readonly rssAnonBytes: number;
  readonly rssFileBytes: number;
}

/** A server to measure: started by `start()`, with its PID once running and a way to stop it. */
export interface StartedServer {
  readonly child: ChildProcess;
  pid(): number | undefined;
  /** When the server's own command was exec'd (ms since the epoch); undefined when that was the spawn itself. */
  execAtMs(): number | undefined;
  stop(): Promise<unknown>;
}

/** How long a server idles after its first answer before its RSS is read. */
export const IDLE_MS = 2000;

/** Starts a server, measures it once, stops it. */
export async function sampleStart(start: () => StartedServer, port: number, request: unknown): Promise<StartSample> {
  const spawnedAt = nowMs();
  const server = start();
  try {
    await waitForInference(`http://127.0.0.1:${port}/v2/models/iris/infer`, request, {
      timeoutMs: 60_000,
      intervalMs: 2,
      stillRunning: () => server.child.exitCode === null,
    });
    const answeredAt = nowMs();
    const execAt = server.execAtMs() ?? spawnedAt;
    const coldStartMs = answeredAt - execAt;
    const setupMs = execAt - spawnedAt;
    const pid = server.pid();
    if (pid === undefined) throw new Error('the server answered but its PID is unknown');
    const { cpuMs, runQueueMs } = schedulerTimes(pid);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    return { coldStartMs, setupMs, cpuMs, runQueueMs, ...residentMemory(pid) };
  } finally {
    await server.stop();
  }
}

/** A process's resident memory now, in bytes, from /proc/<pid>/status: all, anonymous, file-backed. */
export function residentMemory(pid: number): { rssBytes: number; rssAnonBytes: number; rssFileBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rssBytes: kb('VmRSS'), rssAnonBytes: kb('RssAnon'), rssFileBytes: kb('RssFile') };
}

/** Wall-clock ms since the epoch with sub-ms resolution, comparable with the harness's `date +%s%N`. */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Sum over threads of /proc/<pid>/task/<tid>/schedstat: ns on CPU, ns waiting on a run queue. */
function schedulerTimes(pid: number): { cpuMs: number; runQueueMs: number } {
  let cpu = 0;
  let wait = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const [onCpu, onQueue] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
    cpu += onCpu;
    wait += onQueue;
  }
  return { cpuMs: cpu / 1e6, runQueueMs: wait / 1e6 };
}

/** The baseline: `node runtime/bin/kfs-runtime.js serve …` from the repository, as a plain process. */
export function startFromRepository(node: string, repoRoot: string, modelDir: string, port: number): StartedServer {
  const child = spawn(node, ['runtime/bin/kfs-runtime.js', 'serve', `--model=iris=${modelDir}`, '--host=127.0.0.1', `--http-port=${port}`, '--grpc-port=0', '--metrics-port=0', '--drain-seconds=0'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', ORT_DISABLE_TELEMETRY: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    pid: () => child.pid,
    execAtMs: () => undefined,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
