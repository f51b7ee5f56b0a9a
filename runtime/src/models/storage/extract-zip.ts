import { mkdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import * as yauzl from 'yauzl';
import { type ArchiveLimits, type ExtractedArchive, UnpackBudget } from './archive';
import { resolveInside } from './safe-path';
import { StorageError, StorageErrorKind } from './storage-error';

/** General-purpose flag bit 11: the name is UTF-8 (otherwise CP437, the same as ASCII for model file names). */
const UTF8_NAME_FLAG = 0x800;
const UNIX_FILE_TYPE_MASK = 0o170000;
const UNIX_REGULAR_FILE = 0o100000;
const UNIX_DIRECTORY = 0o040000;

/**
 * Unpacks a zip archive; see `extractArchive` for the rules. Names are decoded here rather than by
 * yauzl so a refused name gets the same message as a refused tar entry.
 */
export async function extractZip(file: string, destination: string, limits: ArchiveLimits, source: string): Promise<ExtractedArchive> {
  const zip = await openZip(file);
  const budget = new UnpackBudget(limits, source);
  let files = 0;
  try {
    for (let entry = await nextEntry(zip); entry !== undefined; entry = await nextEntry(zip)) {
      budget.countEntry();
      const rawName = entry.fileName as unknown as Buffer;
      const name = rawName.toString(entry.generalPurposeBitFlag & UTF8_NAME_FLAG ? 'utf8' : 'latin1');
      const isDirectory = name.endsWith('/');
      const trimmed = name.replace(/\/+$/, '');
      const target = resolveInside(destination, trimmed, 'archive entry', source);
      const unixType = (entry.externalFileAttributes >>> 16) & UNIX_FILE_TYPE_MASK;
      if (unixType !== 0 && unixType !== UNIX_REGULAR_FILE && unixType !== UNIX_DIRECTORY) {
        throw new StorageError(StorageErrorKind.INVALID, `refused archive entry ${JSON.stringify(trimmed)} in ${source}: it is a link or special file; only files and folders are unpacked`);
      }
      if (isDirectory) {
        await mkdir(target, { recursive: true });
        continue;
      }
      // Refuse early on the declared size; the bytes actually inflated are counted below as well.
      budget.checkDeclaredSize(entry.uncompressedSize);
      await budget.writeEntry(await openEntry(zip, entry), target);
      files++;
    }
  } finally {
    zip.close();
  }
  return { files, bytes: budget.bytes };
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (error, zip) => {
      if (error) reject(error);
      else resolve(zip);
    });
  });
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => {
      cleanup();
      resolve(entry);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error) reject(error);
      else resolve(stream);
    });
  });
}
