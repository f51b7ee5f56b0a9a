import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths';

/** The venv scripts/python-env.sh builds (.ci/run calls it before npm test). */
export const VENV_PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');

/** One named check a Python peer ran, as test/python/*_checks.py report them. */
export interface PeerCheck {
  ok: boolean;
  detail: unknown;
  trace?: string;
}

/**
 * Runs a Python peer script from test/python/ as a real process and parses the JSON it prints.
 * A missing venv fails loudly rather than skipping: the peers are the point of these tests.
 */
export async function runPythonPeer<Report>(script: string, args: readonly string[], timeoutMs = 120_000): Promise<Report> {
  if (!existsSync(VENV_PYTHON)) {
    throw new Error(`${VENV_PYTHON} is missing: run scripts/python-env.sh (npm test runs it first) to install the Python peers`);
  }
  const { stdout } = await promisify(execFile)(VENV_PYTHON, [path.join(REPO_ROOT, 'test', 'python', script), ...args], {
    cwd: REPO_ROOT,
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  const lastLine = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(lastLine) as Report;
}
