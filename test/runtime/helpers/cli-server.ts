import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { REPO_ROOT } from './paths';

/** A `kfs-runtime serve` process (run from source through tsx, as `npm run bench` does) on loopback. */
export interface CliServer {
  readonly child: ChildProcess;
  readonly url: string;
  readonly grpcTarget: string;
  readonly metricsPort: number | undefined;
  /** Everything the process wrote to stdout (pino's JSON lines) so far. */
  stdout(): string;
  stderr(): string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running (test cleanup). */
  kill(): Promise<void>;
}

/** Log lines with a `msg`, parsed. */
export function logLines(output: string): { msg: string; [key: string]: unknown }[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string });
}

/**
 * Starts `kfs-runtime serve` with `args` plus loopback and free ports, and resolves once it is
 * ready (GET /v2/health/ready answers 200).
 */
export async function startCliServer(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliServer> {
  const argv = ['serve', '--host', '127.0.0.1', '--http-port', '0', '--grpc-port', '0', ...args];
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `require('./runtime/src/cli').main(${JSON.stringify(argv)}).then((code) => process.exit(code))`], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exit;
    }
  };
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  let grpcPort: unknown;
  while (Date.now() < deadline && child.exitCode === null) {
    const lines = logLines(stdout);
    url ??= lines.find((line) => line.msg.startsWith('Server listening at '))?.msg.slice('Server listening at '.length);
    grpcPort ??= lines.find((line) => line.msg.startsWith('gRPC listening'))?.grpcPort;
    if (url !== undefined && grpcPort !== undefined) {
      const ready = await fetch(`${url}/v2/health/ready`).then((response) => response.status === 200, () => false);
      if (ready) {
        const metricsPort = logLines(stdout).find((line) => line.msg.startsWith('metrics on port'))?.metricsPort as number | undefined;
        return { child, url, grpcTarget: `127.0.0.1:${grpcPort}`, metricsPort, stdout: () => stdout, stderr: () => stderr, exit, kill };
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await kill();
  throw new Error(`kfs-runtime did not become ready:\n${stdout}\n${stderr}`);
}
