import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as yaml from 'yaml';
import { listExamples } from '../scripts/synth-examples';

/**
 * Synthesizes every example with the real cdk8s CLI (as `npm run synth` does), twice, and checks the
 * output against the upstream schemas with shared/tools/validate-manifests.
 */
const root = resolve(__dirname, '..');
const validator = resolve(root, '..', 'shared', 'tools', 'validate-manifests', 'validate-manifests');
const examples = listExamples();

function runSynth(): { output: string; files: Map<string, string> } {
  const result = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['scripts/synth-examples.ts'], { cwd: root, encoding: 'utf-8' });
  if (result.status !== 0) throw new Error(`npm run synth failed:\n${result.stdout}\n${result.stderr}`);
  const files = new Map<string, string>();
  for (const example of examples) {
    for (const file of readdirSync(join(root, 'dist', example)).filter(f => f.endsWith('.yaml')).sort()) {
      files.set(`${example}/${file}`, readFileSync(join(root, 'dist', example, file), 'utf-8'));
    }
  }
  return { output: result.stdout + result.stderr, files };
}

let first: ReturnType<typeof runSynth>;
let second: ReturnType<typeof runSynth>;

beforeAll(() => {
  first = runSynth();
  second = runSynth();
}, 120_000);

test('there are examples, and each synthesizes into dist/<example>/', () => {
  expect(examples).toEqual(expect.arrayContaining(['quickstart', 'transformer-explainer', 'sklearn-runtime', 'custom-container']));
  for (const example of examples) {
    expect([...first.files.keys()].some(key => key.startsWith(`${example}/`))).toBe(true);
  }
});

test('synth is byte-identical on rerun', () => {
  expect([...second.files.keys()]).toEqual([...first.files.keys()]);
  for (const [file, content] of first.files) expect(second.files.get(file)).toBe(content);
});

test('user-facing objects carry the names the user chose, never generated hashes', () => {
  const names = [...first.files.values()].flatMap(content => yaml.parseAllDocuments(content).map(doc => doc.toJS())).map(m => `${m.kind}/${m.metadata.name}`);
  expect(names.length).toBeGreaterThan(0);
  for (const name of names) expect(name).not.toMatch(/-[0-9a-f]{8}$/);
  expect(names).toEqual(expect.arrayContaining(['Service/iris-predictor', 'Service/iris-transformer', 'Service/iris-explainer', 'VirtualService/iris', 'Service/sklearn-iris-predictor']));
});

test('every synthesized manifest validates against the upstream schemas with 0 errors', () => {
  const result = spawnSync(validator, [join(root, 'dist')], { cwd: root, encoding: 'utf-8' });
  const lines = result.stdout.trim().split('\n');
  const objects = [...first.files.values()].reduce((count, content) => count + yaml.parseAllDocuments(content).length, 0);
  expect(lines[lines.length - 1]).toBe(`${objects} passed, 0 failed`);
  expect(result.status).toBe(0);
});

test('feature-flag warnings are printed at synth', () => {
  expect(first.output).toContain("[cdk8s-kfserving] WARNING InferenceService 'sklearn-iris': predictor.model.runtime 'kserve-sklearnserver' reads its model from /mnt/models, so the storage-initializer init container needs the Knative feature flag 'kubernetes.podspec-init-containers: enabled'");
});
