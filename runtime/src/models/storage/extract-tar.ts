import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { type ArchiveLimits, type ExtractedArchive, UnpackBudget } from './archive';
import { resolveInside } from './safe-path';
import { StorageError, StorageErrorKind } from './storage-error';

/** Metadata entries tar-stream may pass through; they hold no file. */
const METADATA_TYPES = new Set(['pax-header', 'pax-global-header', 'gnu-long-path', 'gnu-long-link-path']);

/** Unpacks a (gzipped) tar archive; see `extractArchive` for the rules. */
export async function extractTar(file: string, gzipped: boolean, destination: string, limits: ArchiveLimits, source: string): Promise<ExtractedArchive> {
  const extract = tar.extract();
  const feeding = gzipped ? pipeline(createReadStream(file), createGunzip(), extract) : pipeline(createReadStream(file), extract);
  // Iteration errors destroy `extract`, which rejects `feeding` too; the iteration error is the one to report.
  feeding.catch(() => {});
  const budget = new UnpackBudget(limits, source);
  let files = 0;
  for await (const entry of extract) {
    const { header } = entry;
    if (METADATA_TYPES.has(header.type ?? '')) {
      entry.resume();
      continue;
    }
    budget.countEntry();
    // `tar -C dir .` writes `./name` and a `./` root entry; both are harmless spellings.
    const name = header.name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
    if (name === '' || name === '.') {
      entry.resume();
      continue;
    }
    const target = resolveInside(destination, name, 'archive entry', source);
    if (header.type === 'directory') {
      await mkdir(target, { recursive: true });
      entry.resume();
      continue;
    }
    if (header.type !== 'file' && header.type !== 'contiguous-file') {
      throw new StorageError(StorageErrorKind.INVALID, `refused archive entry ${JSON.stringify(name)} in ${source}: it is a ${header.type}; only files and folders are unpacked`);
    }
    budget.checkDeclaredSize(header.size ?? 0);
    await budget.writeEntry(entry, target);
    files++;
  }
  await feeding;
  return { files, bytes: budget.bytes };
}
