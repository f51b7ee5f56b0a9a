import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const URI_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** The scheme of a model URI; bare paths count as `file`. */
export function storageScheme(uri: string): string {
  return URI_SCHEME.exec(uri)?.[1]?.toLowerCase() ?? 'file';
}

/**
 * Validates a model URI and makes a bare path absolute (against `cwd`), so the server keeps
 * working if its working directory changes. `file://` URIs are returned as given.
 *
 * @throws Error for schemes this build cannot fetch from, and for malformed `file://` URIs.
 */
export function normalizeModelUri(uri: string, cwd: string = process.cwd()): string {
  const scheme = storageScheme(uri);
  if (scheme !== 'file') {
    throw new Error(`storage scheme '${scheme}' is not supported by this build yet (model URI '${uri}'); use a local path or a file:// URI`);
  }
  if (URI_SCHEME.test(uri)) {
    toLocalPath(uri);
    return uri;
  }
  return path.resolve(cwd, uri);
}

/**
 * The local path holding a model's files. Remote storage pulls plug in here; for now only local
 * paths and `file://` URIs resolve.
 */
export async function localizeModelUri(uri: string): Promise<string> {
  return toLocalPath(normalizeModelUri(uri));
}

function toLocalPath(uri: string): string {
  if (!URI_SCHEME.test(uri)) return uri;
  try {
    return fileURLToPath(uri);
  } catch (error) {
    throw new Error(`invalid file URI '${uri}': ${(error as Error).message}`);
  }
}
