import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';

/** What a finished command wrote. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs a program without a shell (arguments are never re-parsed) and resolves with its output;
 * rejects with the command line, exit status and stderr, so a failed build step says what failed.
 */
export function runCommand(file: string, args: readonly string[], options: RunCommandOptions = {}): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        const status = typeof error.code === 'number' ? `exit status ${error.code}` : String(error.code ?? error.signal ?? error.message);
        reject(new Error(`${[file, ...args].join(' ')} failed (${status}): ${stderr.trim() || error.message}`));
        return;
      }
      resolve({ stdout, stderr });
    });
  });
}

/** The absolute path of `program` on PATH, or undefined (for messages like "buildah is not installed"). */
export function findOnPath(program: string, searchPath: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
