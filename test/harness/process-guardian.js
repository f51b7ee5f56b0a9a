'use strict';
/**
 * Runs one server binary (etcd, kube-apiserver) for a test process, and ends it when that test process
 * goes away, however it goes: its end of our stdin pipe closes even when it is SIGKILLed or jest
 * kills a worker, which no `exit` handler in the test process would survive.
 *
 *   node process-guardian.js <binary> [args...]     (started by guarded-process.ts, never by hand)
 *
 * Plain JavaScript so it runs on the bare node binary, without ts-jest or tsx.
 */
const { spawn } = require('node:child_process');

const [binary, ...args] = process.argv.slice(2);
const killGraceMs = 10_000;
let ending = false;
let child;

function end(forwardSigterm) {
  if (ending) return;
  ending = true;
  if (forwardSigterm) child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), killGraceMs).unref();
}

// Handlers go in before the binary starts: a test may signal the group as soon as it sees the
// binary, and a SIGTERM arriving before them would kill us by default and lose the exit status.
// The test process signals our whole process group, so the binary already has the signal; sending
// it a second SIGTERM would make kube-apiserver skip its graceful shutdown ("received second
// signal, exiting directly"). We stay until it exits, to report its exit status.
process.on('SIGTERM', () => end(false));
process.on('SIGINT', () => end(false));
process.stdin.on('end', () => end(true));
process.stdin.on('error', () => end(true));
process.stdin.resume();

child = spawn(binary, args, { stdio: ['ignore', 'inherit', 'inherit'] });

child.on('error', error => {
  process.stderr.write(`process-guardian: cannot start ${binary}: ${error.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  if (signal) process.stderr.write(`process-guardian: ${binary} ended by ${signal}\n`);
  process.exit(code ?? 128);
});
