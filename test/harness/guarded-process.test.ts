import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GuardedProcess } from './guarded-process';
import { pollUntil } from './poll-until';

/** Real processes (`sleep`), no cluster needed: the cleanup guarantees the kube harness relies on. */

const root = resolve(__dirname, '..', '..');
let logDir: string;
beforeAll(() => { logDir = mkdtempSync(join(tmpdir(), 'guarded-test-')); });
afterAll(() => rmSync(logDir, { recursive: true, force: true }));

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Linux: the pids the guardian has started (its binary), once it has. */
function childrenOf(pid: number): string {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf-8').trim();
}

test('stop() ends the binary with SIGTERM and reports how it exited', async () => {
  const sleeper = GuardedProcess.start({ name: 'sleep', binary: 'sleep', args: ['300'], logFile: join(logDir, 'stop.log') });
  await pollUntil('guardian started sleep', async () => (childrenOf(sleeper.pid) ? true : undefined), { timeoutMs: 5000, intervalMs: 20 });
  const exit = await sleeper.stop();
  expect(exit.code).toBe(128);
  expect(sleeper.logTail()).toBe('process-guardian: sleep ended by SIGTERM');
  expect(groupAlive(sleeper.pid)).toBe(false);
});

test('a binary that fails to start is reported through its exit status and log', async () => {
  const missing = GuardedProcess.start({ name: 'missing', binary: '/nonexistent/binary', args: [], logFile: join(logDir, 'missing.log') });
  expect(await missing.exited).toEqual({ code: 127, signal: null });
  expect(missing.logTail()).toBe('process-guardian: cannot start /nonexistent/binary: spawn /nonexistent/binary ENOENT');
});

test('the binary does not outlive a test process that is SIGKILLed (no exit handler can run then)', async () => {
  // `node --import tsx` (not the tsx CLI, which runs a second node below itself) so the SIGKILL hits the process that started the guardian.
  const testProcess = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'start-guarded-sleep.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const pgid = await new Promise<number>((resolvePid, reject) => {
    testProcess.stdout.once('data', (chunk: Buffer) => resolvePid(Number(chunk.toString().trim())));
    testProcess.once('exit', code => reject(new Error(`fixture exited early with ${code}`)));
  });
  expect(groupAlive(pgid)).toBe(true);
  process.kill(testProcess.pid!, 'SIGKILL');
  await pollUntil('guarded sleep gone', async () => (groupAlive(pgid) ? undefined : true), { timeoutMs: 15_000 });
}, 30_000);
