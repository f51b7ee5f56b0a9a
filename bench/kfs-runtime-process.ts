import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** A kfs-runtime server in its own process, as in production, on loopback ports picked here. */
export interface RuntimeProcess {
  readonly http: string;
  stop(): Promise<void>;
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
    if (ready) return { http, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`kfs-runtime ${args.join(' ')} did not become ready`);
}
