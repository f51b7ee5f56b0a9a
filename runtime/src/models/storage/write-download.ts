import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StorageError, StorageErrorKind } from './storage-error';

/** What a finished download must match; each check is skipped when the store did not say. */
export interface ExpectedContent {
  readonly size?: number;
  /** MD5 digest, hex; stores give it as S3's single-part ETag or GCS's md5Hash. */
  readonly md5Hex?: string;
}

/**
 * Streams a download body into `file` (creating its folder), counting bytes as they arrive, then
 * checks the size and MD5 the store announced. A short body means the connection dropped midway:
 * that is a TRANSIENT StorageError, so the caller's retry downloads the file again.
 *
 * @param onBytes called for every chunk written (progress); the total is returned.
 */
export async function writeDownload(body: Readable, file: string, expected: ExpectedContent, source: string, onBytes: (bytes: number) => void): Promise<number> {
  await mkdir(path.dirname(file), { recursive: true });
  const md5 = expected.md5Hex === undefined ? undefined : createHash('md5');
  let written = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      written += chunk.length;
      md5?.update(chunk);
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  await pipeline(body, counter, createWriteStream(file));
  if (expected.size !== undefined && written !== expected.size) {
    throw new StorageError(StorageErrorKind.TRANSIENT, `download of ${source} ended after ${written} of ${expected.size} bytes`);
  }
  if (md5 !== undefined && md5.digest('hex') !== expected.md5Hex) {
    throw new StorageError(StorageErrorKind.TRANSIENT, `download of ${source} does not match the store's MD5 checksum`);
  }
  return written;
}
