/**
 * `npm start` (after `npm run synth`): serves the example models with the real `kfs-runtime serve`
 * process on localhost, sends one real inference, and prints a curl command to try it yourself.
 * Runs until Ctrl-C; the port is 8080 unless KFS_HTTP_PORT says otherwise.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const port = Number(process.env.KFS_HTTP_PORT ?? 8080);
const base = `http://127.0.0.1:${port}`;
const models = ['iris=models/iris', 'mlp=models/mlp'];
/** Class order of sklearn's iris data set, which the example model was trained on. */
const IRIS_SPECIES = ['setosa', 'versicolor', 'virginica'];

async function waitUntilReady(isRunning: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (!isRunning()) throw new Error('kfs-runtime exited before it became ready');
    try {
      if ((await fetch(`${base}/v2/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise(done => setTimeout(done, 100));
  }
  throw new Error(`kfs-runtime did not become ready on ${base} within 30 s`);
}

async function main(): Promise<void> {
  const server = spawn(process.execPath, [join(root, 'runtime', 'bin', 'kfs-runtime.js'), 'serve', ...models.flatMap(m => ['--model', m]), '--http-port', String(port), '--host', '127.0.0.1'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let running = true;
  server.on('exit', code => {
    running = false;
    process.exitCode = code ?? 1;
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.kill(signal));

  await waitUntilReady(() => running);
  const example = JSON.parse(readFileSync(join(root, 'models', 'iris', '1', 'expected.json'), 'utf-8'));
  const row = (example.request.inputs[0].data as number[]).slice(0, 4).map(x => Math.round(x * 10) / 10);
  const request = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: row }] };
  const response = await fetch(`${base}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  const body = await response.json() as { outputs: { name: string; data: number[] }[] };
  const label = body.outputs.find(o => o.name === 'label')?.data[0] ?? -1;
  const probabilities = body.outputs.find(o => o.name === 'probabilities')?.data.map(p => p.toFixed(3)).join(', ');

  process.stdout.write([
    '',
    `kfs-runtime is serving ${models.map(m => m.split('=')[0]).join(' and ')} on http://localhost:${port} (manifests for every example are in dist/).`,
    `A real inference of iris ${JSON.stringify(row)}: label ${label} (${IRIS_SPECIES[label] ?? 'unknown'}), probabilities [${probabilities}].`,
    'Try it yourself:',
    '',
    `  curl -s http://localhost:${port}/v2/models/iris/infer -H 'content-type: application/json' \\`,
    `    -d '${JSON.stringify({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [6.3, 3.3, 6.0, 2.5] }] })}'`,
    '',
    'Ctrl-C stops the server.',
    '',
  ].join('\n'));
}

main().catch(error => {
  process.stderr.write(`npm start: ${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
