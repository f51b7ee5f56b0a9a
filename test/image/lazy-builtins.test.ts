/**
 * The bundler plugin that defers built-ins the server's dependencies require at their top but only
 * use inside functions (runtime/image/lazy-builtins.ts), on a small bundle run in a child Node, and
 * its rules against the real dependencies they name.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { LAZY_BUILTIN_RULES, type LazyBuiltinRule, lazyBuiltins } from '../../runtime/image/lazy-builtins';
import { REPO_ROOT } from '../runtime/helpers/paths';

describe('lazyBuiltins (esbuild plugin)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kfs-lazy-builtins-'));
    const dependency = path.join(dir, 'node_modules', 'fixture-dependency');
    await mkdir(dependency, { recursive: true });
    // Requires node:https at its top, as fastify does, and uses it only inside functions.
    await writeFile(
      path.join(dependency, 'index.js'),
      [
        "const https = require('node:https');",
        'exports.agentOf = () => https.globalAgent;',
        'exports.createServer = () => https.createServer;',
        "exports.has = (key) => key in https;",
        'exports.keys = () => Object.keys(https);',
      ].join('\n'),
    );
    await writeFile(path.join(dir, 'entry.js'), [
      "const dependency = require('fixture-dependency');",
      "const loaded = () => process.moduleLoadList.includes('NativeModule https');",
      'const report = { atStart: loaded() };',
      'report.agentIsHttps = dependency.agentOf() === require(\'node:https\').globalAgent;',
      'report.afterUse = loaded();',
      'report.sameFunction = dependency.createServer() === require(\'node:https\').createServer;',
      "report.has = dependency.has('request');",
      "report.keysIncludeRequest = dependency.keys().includes('request');",
      'console.log(JSON.stringify(report));',
    ].join('\n'));
  });

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const bundle = (rules: readonly LazyBuiltinRule[]) =>
    build({ absWorkingDir: dir, entryPoints: ['entry.js'], outfile: path.join(dir, 'out.cjs'), bundle: true, platform: 'node', format: 'cjs', metafile: true, logLevel: 'silent', plugins: [lazyBuiltins(rules)] });

  /** Runs the bundle in a fresh Node (this test's own, so the built-in list is Node's). */
  const run = () => JSON.parse(execFileSync(process.execPath, [path.join(dir, 'out.cjs')], { encoding: 'utf8' })) as Record<string, boolean>;

  test('the listed importer gets a stand-in: the built-in is loaded at its first use, and reads, `in` and keys answer from the real module', async () => {
    await bundle([{ importer: 'fixture-dependency/index.js', builtins: ['node:https'], why: 'test' }]);
    expect(run()).toEqual({ atStart: false, agentIsHttps: true, afterUse: true, sameFunction: true, has: true, keysIncludeRequest: true });
  });

  test('without a rule for it, the importer gets the built-in itself, loaded at its require', async () => {
    await bundle([{ importer: 'some-other-dependency/index.js', builtins: ['node:https'], why: 'test' }]);
    expect(run()).toMatchObject({ atStart: true, agentIsHttps: true });
  });

  test('the build fails, naming the rule to update, when a listed importer no longer requires a listed built-in', async () => {
    await expect(bundle([{ importer: 'fixture-dependency/index.js', builtins: ['node:https', 'node:http2'], why: 'test' }])).rejects.toThrow(
      /fixture-dependency\/index\.js no longer requires node:http2; update LAZY_BUILTIN_RULES/,
    );
  });

  test('the rules hold for the dependencies they name, as installed (a dependency update that moves a require fails here)', async () => {
    const entry = path.join(dir, 'real-dependencies.js');
    await writeFile(entry, `require(${JSON.stringify(require.resolve('fastify', { paths: [REPO_ROOT] }))}); require(${JSON.stringify(require.resolve('prom-client', { paths: [REPO_ROOT] }))});\n`);
    const result = await build({ absWorkingDir: REPO_ROOT, entryPoints: [entry], write: false, bundle: true, platform: 'node', format: 'cjs', metafile: true, logLevel: 'silent', plugins: [lazyBuiltins()] });
    const inputs = Object.keys(result.metafile.inputs);
    for (const rule of LAZY_BUILTIN_RULES) expect(inputs.some((input) => input.endsWith(`node_modules/${rule.importer}`))).toBe(true);
    expect(inputs.filter((input) => input.startsWith('lazy-builtin:')).sort()).toEqual(['lazy-builtin:https', 'lazy-builtin:node:dns', 'lazy-builtin:node:http2', 'lazy-builtin:node:https']);
  });
});
