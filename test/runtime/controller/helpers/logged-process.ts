import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { REPO_ROOT } from '../../helpers/paths';

export const KFS_RUNTIME_CLI = path.join(REPO_ROOT, 'runtime', 'bin', 'kfs-runtime.js');

/** One JSON log line of kfs-runtime (pino's for `serve`, the controller's own for `controller`). */
export interface LogLine {
  readonly msg: string;
  readonly level: number;
  readonly [field: string]: unknown;
}

/**
 * A `kfs-runtime` child process whose JSON log lines are collected as they arrive, so tests can
 * assert on what the process itself reported (loads, unloads, leadership) rather than on internals.
 */
export class LoggedProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stdout = '';
  #stderr = '';

  private constructor(readonly name: string, readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.#stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    this.exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  }

  /** Runs the CLI with this test's Node (the project's pinned Node 24). */
  static start(name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): LoggedProcess {
    const child = spawn(process.execPath, [KFS_RUNTIME_CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    return new LoggedProcess(name, child);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  lines(): LogLine[] {
    return this.#stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as LogLine];
        } catch {
          return [];
        }
      });
  }

  /** Log lines whose message is `msg` (and whose fields match `fields`). */
  linesWith(msg: string, fields: Record<string, unknown> = {}): LogLine[] {
    return this.lines().filter((line) => line.msg === msg && Object.entries(fields).every(([key, value]) => line[key] === value));
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** The last lines of output, for failure messages. */
  tail(count = 30): string {
    return `--- ${this.name} stdout (last ${count} lines):\n${this.#stdout.split('\n').slice(-count).join('\n')}\n--- stderr:\n${this.#stderr.slice(-2000)}`;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    await this.exited;
  }
}
