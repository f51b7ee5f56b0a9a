/**
 * `npm run synth`: synthesizes every example (examples/<name>/main.ts) with the cdk8s CLI into
 * dist/<name>/, as a user's CI would. Runs two at a time (the machines here have two cores).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const cdk8s = join(root, 'node_modules', '.bin', 'cdk8s');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

export function listExamples(): string[] {
  return readdirSync(join(root, 'examples'), { withFileTypes: true })
    .filter(entry => entry.isDirectory() && existsSync(join(root, 'examples', entry.name, 'main.ts')))
    .map(entry => entry.name)
    .sort();
}

/**
 * Synthesizes one example into `outdir` (emptied first). Tests that need an example's YAML pass a
 * temp folder, so they never read dist/ while another test file is rewriting it.
 */
export function synthExample(name: string, outdir = join(root, 'dist', name)): Promise<{ name: string; output: string; code: number }> {
  rmSync(outdir, { recursive: true, force: true });
  return new Promise(done => {
    const child = spawn(cdk8s, ['synth', '--app', `${tsx} examples/${name}/main.ts`, '--output', outdir], {
      cwd: root,
      env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
    });
    let output = '';
    child.stdout.on('data', chunk => { output += chunk; });
    child.stderr.on('data', chunk => { output += chunk; });
    child.on('close', code => done({ name, output, code: code ?? 1 }));
  });
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : listExamples();
  const queue = [...names];
  let failed = 0;
  const worker = async () => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      const result = await synthExample(name);
      const lines = result.output.split('\n').filter(line => line.trim() && !line.includes('Synthesizing application'));
      process.stdout.write(`${result.code === 0 ? 'synthesized' : 'FAILED'} examples/${name} → dist/${name}/\n${lines.map(l => `  ${l}`).join('\n')}\n`);
      if (result.code !== 0) failed++;
    }
  };
  await Promise.all([worker(), worker()]);
  if (failed > 0) {
    process.stderr.write(`${failed} example(s) failed to synthesize\n`);
    process.exit(1);
  }
}

if (require.main === module) {
  main().catch(error => { process.stderr.write(`${error}\n`); process.exit(1); });
}
