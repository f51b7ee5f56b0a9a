import { createWriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import * as path from 'node:path';
import { type PipelineSource, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StorageError, StorageErrorKind } from './storage-error';

/** Archive formats KServe's storage initializer unpacks. */
export enum ArchiveFormat {
  TAR = 'tar',
  TAR_GZIP = 'tar.gz',
  ZIP = 'zip',
}

/** Limits that keep a hostile or broken archive from filling the disk. */
export interface ArchiveLimits {
  readonly maxUnpackedBytes: number;
  readonly maxEntries: number;
}

/** What an extraction wrote. */
export interface ExtractedArchive {
  readonly files: number;
  readonly bytes: number;
}

/** The archive format a file name announces (`.tar`, `.tar.gz`, `.tgz`, `.zip`), if any. */
export function archiveFormatOf(fileName: string): ArchiveFormat | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return ArchiveFormat.TAR_GZIP;
  if (lower.endsWith('.tar')) return ArchiveFormat.TAR;
  if (lower.endsWith('.zip')) return ArchiveFormat.ZIP;
  return undefined;
}

/**
 * Unpacks `file` into the empty folder `destination`. Every entry name is checked before anything
 * is written (no absolute paths, no `..`, no links or devices), and the bytes actually written are
 * counted against the limits, so a lying header cannot slip past them.
 *
 * @param source how messages name the archive (its redacted URI).
 * @throws StorageError INVALID for a refused entry, a limit exceeded, or a file that is not the format its name says.
 */
export async function extractArchive(file: string, format: ArchiveFormat, destination: string, limits: ArchiveLimits, source: string): Promise<ExtractedArchive> {
  await checkMagic(file, format, source);
  try {
    return format === ArchiveFormat.ZIP
      ? await (await import('./extract-zip')).extractZip(file, destination, limits, source)
      : await (await import('./extract-tar')).extractTar(file, format === ArchiveFormat.TAR_GZIP, destination, limits, source);
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw new StorageError(StorageErrorKind.INVALID, `cannot unpack ${source} as ${format}: ${(error as Error).message}`);
  }
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZIP_MAGIC = Buffer.from('PK\u0003\u0004', 'latin1');
const EMPTY_ZIP_MAGIC = Buffer.from('PK\u0005\u0006', 'latin1');

/** A login page saved as `model.zip` should fail here, with a message that says so. */
async function checkMagic(file: string, format: ArchiveFormat, source: string): Promise<void> {
  const handle = await open(file, 'r');
  const head = Buffer.alloc(4);
  try {
    await handle.read(head, 0, 4, 0);
  } finally {
    await handle.close();
  }
  const ok =
    format === ArchiveFormat.TAR_GZIP ? head.subarray(0, 2).equals(GZIP_MAGIC)
    : format === ArchiveFormat.ZIP ? head.equals(ZIP_MAGIC) || head.equals(EMPTY_ZIP_MAGIC)
    : true; // plain tar has its magic at offset 257; tar-stream checks it
  if (!ok) {
    throw new StorageError(StorageErrorKind.INVALID, `${source} is named like a .${format} archive but its content is not one`);
  }
}

/** Shared by both extractors: one entry's bytes and the running totals against the limits. */
export class UnpackBudget {
  #bytes = 0;
  #entries = 0;

  constructor(
    private readonly limits: ArchiveLimits,
    private readonly source: string,
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  countEntry(): void {
    this.#entries++;
    if (this.#entries > this.limits.maxEntries) {
      throw new StorageError(StorageErrorKind.INVALID, `refused archive ${this.source}: it has more than ${this.limits.maxEntries} entries`);
    }
  }

  /** Refuses an entry whose announced size alone would break the limit, before inflating it. */
  checkDeclaredSize(bytes: number): void {
    if (this.#bytes + bytes > this.limits.maxUnpackedBytes) this.#tooLarge();
  }

  addBytes(bytes: number): void {
    this.#bytes += bytes;
    if (this.#bytes > this.limits.maxUnpackedBytes) this.#tooLarge();
  }

  /**
   * Writes one entry's content to `target` (a new file: an existing one is an error), counting its
   * bytes as they are inflated, so a lying size header cannot get past the limit. (`any`: tar-stream's
   * entries are streamx streams, which Node's typings accept only as an untyped pipeline source.)
   */
  async writeEntry(content: PipelineSource<any>, target: string): Promise<void> {
    await mkdir(path.dirname(target), { recursive: true });
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        try {
          this.addBytes(chunk.length);
          done(null, chunk);
        } catch (error) {
          done(error as Error);
        }
      },
    });
    await pipeline(content, counter, createWriteStream(target, { flags: 'wx' }));
  }

  #tooLarge(): never {
    throw new StorageError(
      StorageErrorKind.INVALID,
      `refused archive ${this.source}: it unpacks to more than ${this.limits.maxUnpackedBytes} bytes (raise --max-unpacked-size if the model really is that large)`,
    );
  }
}
