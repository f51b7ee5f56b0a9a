import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The project's shared folder: the upstream CRDs and the manifest validator the tests check against
 * (not part of the repository). It sits beside the clone (`<clone>/../shared`), or where
 * `KFS_SHARED_DIR` says.
 */
export function sharedFolder(): string {
  return process.env.KFS_SHARED_DIR ?? resolve(__dirname, '..', '..', 'shared');
}

/**
 * A path inside the shared folder, checked to exist: a clone without the folder beside it fails here
 * with the way out, not later with an ENOENT from kube-apiserver or a validator that never ran.
 */
export function sharedPath(...segments: string[]): string {
  const folder = sharedFolder();
  const path = resolve(folder, ...segments);
  if (!existsSync(path)) {
    const where = process.env.KFS_SHARED_DIR === undefined ? 'beside the clone' : 'in KFS_SHARED_DIR';
    throw new Error(
      `${path} is missing: the tests need the shared folder (upstream CRDs, tools/validate-manifests) ${where}, at ${folder}. ` +
        'Clone the repository next to it, or set KFS_SHARED_DIR to its path.',
    );
  }
  return path;
}
