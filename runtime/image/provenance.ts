import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ImageProvenance } from './image-spec';
import { runCommand } from './run-command';

/**
 * Version (runtime/package.json), revision (`git rev-parse HEAD`, plus `-dirty` when tracked files
 * differ from it) and the time every timestamp in the image gets: SOURCE_DATE_EPOCH when set
 * (https://reproducible-builds.org/specs/source-date-epoch/), else the commit time. Outside a git
 * checkout the revision is `unknown` and SOURCE_DATE_EPOCH is required.
 */
export async function readProvenance(repoRoot: string, env: NodeJS.ProcessEnv = process.env): Promise<ImageProvenance> {
  const runtimePackage = JSON.parse(readFileSync(path.join(repoRoot, 'runtime', 'package.json'), 'utf8')) as { version: string; license: string };
  let revision = 'unknown';
  let commitTime: number | undefined;
  try {
    const head = await runCommand('git', ['-C', repoRoot, 'log', '-1', '--format=%H %ct']);
    const [hash, time] = head.stdout.trim().split(' ');
    const status = await runCommand('git', ['-C', repoRoot, 'status', '--porcelain', '--untracked-files=no']);
    revision = status.stdout.trim() === '' ? hash : `${hash}-dirty`;
    commitTime = Number(time);
  } catch {
    // not a git checkout (e.g. an npm tarball)
  }
  const fromEnv = env.SOURCE_DATE_EPOCH;
  const sourceDateEpoch = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : commitTime;
  if (sourceDateEpoch === undefined || !Number.isInteger(sourceDateEpoch) || sourceDateEpoch < 0) {
    throw new Error(`no build time: SOURCE_DATE_EPOCH (${String(fromEnv)}) is not a non-negative integer and ${repoRoot} is not a git checkout`);
  }
  return { version: runtimePackage.version, revision, sourceDateEpoch, license: runtimePackage.license };
}
