import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { residentMemory } from './image-start';

const ROOT = path.resolve(__dirname, '..');

/** A kfs-runtime server in its own process, as in production, on loopback ports picked here. */
export interface RuntimeProcess {
  readonly http: string;
  /** CPU seconds (user + system) the server process has used so far, all its threads, from /proc (Linux). */
  cpuSeconds(): number;
  /**
   * CPU seconds of the process's main thread alone (the event loop), from /proc/PID/task/PID: when
   * it nears one second per second, the event loop is what limits throughput, whatever the other
   * threads (onnxruntime's, libuv's, V8's GC helpers) use.
   */
  mainThreadCpuSeconds(): number;
  /** The server process's resident memory now, bytes (VmRSS). */
  residentBytes(): number;
  stop(): Promise<void>;
}

/** utime + stime of a process or thread, in seconds (fields 14 and 15 of its stat file, in 1/100 s clock ticks). */
function cpuSecondsFromStat(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Starts `kfs-runtime serve` from source (through tsx) and waits until it is ready. */
export async function startRuntimeProcess(args: readonly string[]): Promise<RuntimeProcess> {
  const httpPort = 20000 + Math.floor(Math.random() * 10000);
  const argv = ['serve', '--host', '127.0.0.1', '--http-port', String(httpPort), '--grpc-port', '0', '--drain-seconds', '0', ...args];
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '-e', `require('./runtime/src/cli').main(${JSON.stringify(argv)}).then((code) => process.exit(code))`], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const http = `http://127.0.0.1:${httpPort}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const ready = await fetch(`${http}/v2/health/ready`).then((response) => response.status === 200, () => false);
    if (ready) return { http, stop, cpuSeconds: () => cpuSecondsFromStat(`/proc/${child.pid}/stat`), mainThreadCpuSeconds: () => cpuSecondsFromStat(`/proc/${child.pid}/task/${child.pid}/stat`), residentBytes: () => residentMemory(child.pid!).rssBytes };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`kfs-runtime ${args.join(' ')} did not become ready`);
}
