import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A server binary started for a test, with its output in a log file, that cannot outlive the test
 * process: it runs under process-guardian.js (which ends it when our stdin pipe closes), in its own
 * process group (so one signal reaches guardian and binary), and a synchronous `exit` handler kills
 * every group still running.
 */

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface GuardedProcessOptions {
  /** Short name for messages, e.g. `etcd`. */
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  /** Receives the binary's stdout and stderr (appended). */
  readonly logFile: string;
}

const running = new Set<GuardedProcess>();
let exitHandlerInstalled = false;

function killAllOnExit(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.once('exit', () => {
    for (const guarded of running) guarded.killNow();
  });
}

export class GuardedProcess {
  static start(options: GuardedProcessOptions): GuardedProcess {
    killAllOnExit();
    const log = openSync(options.logFile, 'a');
    try {
      const child = spawn(process.execPath, [join(__dirname, 'process-guardian.js'), options.binary, ...options.args], {
        detached: true,
        stdio: ['pipe', log, log],
      });
      return new GuardedProcess(options, child);
    } finally {
      closeSync(log);
    }
  }

  /** Settles when the binary (through its guardian) has exited. */
  readonly exited: Promise<ProcessExit>;
  private exitStatus: ProcessExit | undefined;

  private constructor(readonly options: GuardedProcessOptions, private readonly child: ChildProcess) {
    running.add(this);
    this.exited = new Promise(resolveExit => {
      child.once('exit', (code, signal) => {
        running.delete(this);
        this.exitStatus = { code, signal };
        resolveExit(this.exitStatus);
      });
    });
    // A test that forgets stop() must still let jest exit; the exit handler and the guardian clean up.
    child.unref();
    (child.stdin as { unref?: () => void } | null)?.unref?.();
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** How it exited, or undefined while it runs. */
  get exitStatusIfExited(): ProcessExit | undefined {
    return this.exitStatus;
  }

  /**
   * Sends `signal` (default SIGTERM, a graceful shutdown) and waits for the exit; SIGKILL after
   * `graceMs`. SIGKILL itself simulates a crash.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<ProcessExit> {
    if (this.exitStatus) return this.exitStatus;
    this.signalGroup(signal);
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Synchronous SIGKILL of guardian and binary, for `exit` handlers. */
  killNow(): void {
    if (!this.exitStatus) this.signalGroup('SIGKILL');
  }

  /** The last lines of the log, for error messages. */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.options.logFile, 'utf-8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      // The negative pid addresses the process group that `detached: true` created.
      process.kill(-this.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}
