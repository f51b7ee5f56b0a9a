import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { StorageError, StorageErrorKind } from '../../../../runtime/src/models/storage/storage-error';
import { writeDownload } from '../../../../runtime/src/models/storage/write-download';

const CONTENT = Buffer.from('model bytes '.repeat(1000));
const MD5 = createHash('md5').update(CONTENT).digest('hex');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kfs-write-download-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeDownload verification', () => {
  it('writes the body into a new folder, counting every byte, when size and MD5 match', async () => {
    let counted = 0;
    const file = path.join(dir, 'a', 'b', 'model.onnx');
    expect(await writeDownload(Readable.from([CONTENT.subarray(0, 100), CONTENT.subarray(100)]), file, { size: CONTENT.length, md5Hex: MD5 }, 's3://m/k', (bytes) => (counted += bytes))).toBe(CONTENT.length);
    expect(counted).toBe(CONTENT.length);
    expect(await readFile(file)).toEqual(CONTENT);
  });

  it('reports a body shorter than announced as transient (the connection dropped), so it is downloaded again', async () => {
    const error = await writeDownload(Readable.from([CONTENT.subarray(0, 500)]), path.join(dir, 'm'), { size: CONTENT.length }, 's3://m/k', () => {}).catch((caught: unknown) => caught);
    expect(error).toEqual(new StorageError(StorageErrorKind.TRANSIENT, `download of s3://m/k ended after 500 of ${CONTENT.length} bytes`));
    expect((error as StorageError).retryable).toBe(true);
  });

  it('reports content that does not match the store\'s MD5 (corrupted in transit) as transient', async () => {
    const corrupted = Buffer.from(CONTENT);
    corrupted[7] = 0;
    await expect(writeDownload(Readable.from([corrupted]), path.join(dir, 'm'), { size: CONTENT.length, md5Hex: MD5 }, 'gs://m/k', () => {})).rejects.toThrow(
      new StorageError(StorageErrorKind.TRANSIENT, "download of gs://m/k does not match the store's MD5 checksum"),
    );
  });
});
