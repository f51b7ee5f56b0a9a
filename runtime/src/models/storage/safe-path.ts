import * as path from 'node:path';
import { StorageError, StorageErrorKind } from './storage-error';

// Control characters and backslashes have no place in model file names and are the usual
// ingredients of path confusion (a backslash is a separator on Windows-built archives).
const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f\\]/;

/**
 * Why a `/`-separated relative path from outside (an archive entry, an object key, a URI path) is
 * unsafe to create under a local folder, or undefined when it is safe: no absolute path, drive
 * letter, `.`/`..` or empty segment, control character or backslash.
 */
export function unsafeRelativePathReason(relative: string): string | undefined {
  if (relative === '') return 'is empty';
  if (FORBIDDEN_CHARACTERS.test(relative)) return 'contains a control character or backslash';
  if (relative.startsWith('/') || /^[A-Za-z]:/.test(relative)) return 'is an absolute path';
  const segments = relative.split('/');
  if (segments.some((segment) => segment === '..')) return "contains a '..' segment";
  if (segments.some((segment) => segment === '.')) return "contains a '.' segment";
  if (segments.some((segment) => segment === '')) return 'contains an empty segment';
  return undefined;
}

/**
 * The local path of `relative` under `root`, refusing anything that could land outside it.
 *
 * @param what how messages name the path's origin, e.g. `archive entry` or `object key`.
 * @throws StorageError INVALID naming the offending path and where it came from.
 */
export function resolveInside(root: string, relative: string, what: string, source: string): string {
  const reason = unsafeRelativePathReason(relative);
  if (reason !== undefined) {
    throw new StorageError(StorageErrorKind.INVALID, `refused ${what} ${JSON.stringify(relative)} in ${source}: it ${reason}, which could write outside the model folder`);
  }
  const resolved = path.resolve(root, ...relative.split('/'));
  // Belt and braces: the checks above already rule this out.
  if (!resolved.startsWith(root + path.sep)) {
    throw new StorageError(StorageErrorKind.INVALID, `refused ${what} ${JSON.stringify(relative)} in ${source}: it resolves outside the model folder`);
  }
  return resolved;
}
