import { readdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { type ArchiveFormat, extractArchive } from './archive';
import type { StagingArea } from './model-cache';
import type { StorageSettings } from './storage-options';

/**
 * Unpacks a downloaded archive into the staging model folder and deletes the archive. Returns the
 * model's entry inside that folder: an archive of one top-level folder (`tar czf m.tgz iris/`)
 * means that folder, anything else (a version folder `1/` included) the folder itself.
 */
export async function unpackIntoStaging(
  archive: string,
  format: ArchiveFormat,
  staging: StagingArea,
  settings: StorageSettings,
  source: string,
): Promise<{ entry: string; files: number; bytes: number }> {
  const extracted = await extractArchive(archive, format, staging.modelDir, { maxUnpackedBytes: settings.maxUnpackedBytes, maxEntries: settings.maxArchiveEntries }, source);
  await rm(archive, { force: true });
  const top = await readdir(staging.modelDir, { withFileTypes: true });
  // A lone numeric folder is a Triton version (`1/model.onnx`), not a wrapper to step into.
  const entry = top.length === 1 && top[0]?.isDirectory() && !/^\d+$/.test(top[0].name) ? top[0].name : '';
  return { entry, files: extracted.files, bytes: extracted.bytes };
}

/** Where an archive download goes before unpacking. */
export function scratchPath(staging: StagingArea, fileName: string): string {
  return path.join(staging.scratchDir, fileName);
}
