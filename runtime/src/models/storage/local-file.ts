import { copyFile, mkdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { archiveFormatOf } from './archive';
import type { ModelCache } from './model-cache';
import { StorageError, StorageErrorKind } from './storage-error';
import type { StorageSettings } from './storage-options';
import { unpackIntoStaging } from './unpack-staged';

/**
 * A local path (plain, `file://`, or a mounted `pvc://` claim): used where it is, except that an
 * archive file is unpacked into the cache (keyed by path, size and modification time) first.
 */
export async function localizeLocalPath(localPath: string, cacheKey: string, cache: ModelCache, settings: StorageSettings): Promise<string> {
  const format = archiveFormatOf(localPath);
  if (format === undefined) return localPath;
  const info = await stat(localPath).catch(() => undefined);
  if (info === undefined || !info.isFile()) {
    throw new StorageError(StorageErrorKind.NOT_FOUND, `model archive '${localPath}' does not exist`);
  }
  const fingerprint = `${info.size}:${info.mtimeMs}`;
  const cached = await cache.lookup(cacheKey, fingerprint);
  if (cached !== undefined) return cached.localPath;
  const staging = await cache.stage();
  try {
    // Unpack a copy: the archive may be replaced while we read it, and the checks run on what we read.
    await mkdir(staging.scratchDir, { recursive: true });
    const copy = path.join(staging.scratchDir, path.basename(localPath));
    await copyFile(localPath, copy);
    const unpacked = await unpackIntoStaging(copy, format, staging, settings, localPath);
    const committed = await cache.commit(staging, cacheKey, { uri: localPath, fingerprint, entry: unpacked.entry, files: unpacked.files, bytes: unpacked.bytes });
    settings.logger.info({ uri: localPath, files: unpacked.files, bytes: unpacked.bytes }, `unpacked ${localPath}`);
    return committed.localPath;
  } catch (error) {
    await staging.discard();
    throw error;
  }
}
