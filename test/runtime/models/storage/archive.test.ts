import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ArchiveFormat, extractArchive } from '../../../../runtime/src/models/storage/archive';
import { StorageError, StorageErrorKind } from '../../../../runtime/src/models/storage/storage-error';
import { makeTar, makeZip } from '../../helpers/archives';
import { listFiles } from '../../helpers/storage';

const LIMITS = { maxUnpackedBytes: 1024 * 1024, maxEntries: 100 };
let work: string;
let destination: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'kfs-archive-test-'));
  destination = path.join(work, 'out', 'model');
  await import('node:fs/promises').then((fs) => fs.mkdir(destination, { recursive: true }));
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function extract(name: string, content: Buffer, format: ArchiveFormat, limits = LIMITS) {
  const file = path.join(work, name);
  await writeFile(file, content);
  return extractArchive(file, format, destination, limits, `s3://models/${name}`);
}

/** Everything under the work folder except the archive itself: proves nothing landed outside `destination`. */
async function filesOutsideDestination(): Promise<string[]> {
  return (await listFiles(work)).filter((file) => !file.startsWith('out/model/') && !/^[^/]+\.(tar\.gz|tgz|tar|zip)$/.test(file));
}

describe('archive extraction', () => {
  it('unpacks a .tar.gz with ./-prefixed names and folders', async () => {
    const archive = await makeTar([{ name: './', type: 'directory' }, { name: './1/', type: 'directory' }, { name: './1/model.onnx', content: 'onnx' }, { name: './README', content: 'hi' }]);
    expect(await extract('m.tar.gz', archive, ArchiveFormat.TAR_GZIP)).toEqual({ files: 2, bytes: 6 });
    expect(await listFiles(destination)).toEqual(['1/model.onnx', 'README']);
  });

  it('unpacks a plain .tar and a .zip', async () => {
    await extract('m.tar', await makeTar([{ name: 'model.onnx', content: 'onnx' }], false), ArchiveFormat.TAR);
    await extract('m.zip', makeZip({ 'sub/extra.txt': 'x' }), ArchiveFormat.ZIP);
    expect(await listFiles(destination)).toEqual(['model.onnx', 'sub/extra.txt']);
  });

  it('refuses a ../ entry in a .tar.gz and writes nothing outside the model folder', async () => {
    const archive = await makeTar([{ name: 'model.onnx', content: 'ok' }, { name: '../evil.onnx', content: 'owned' }]);
    await expect(extract('m.tar.gz', archive, ArchiveFormat.TAR_GZIP)).rejects.toThrow(
      new StorageError(StorageErrorKind.INVALID, 'refused archive entry "../evil.onnx" in s3://models/m.tar.gz: it contains a \'..\' segment, which could write outside the model folder'),
    );
    expect(await filesOutsideDestination()).toEqual([]);
  });

  it('refuses a nested a/../../ entry in a .tar.gz', async () => {
    const archive = await makeTar([{ name: 'a/../../evil.onnx', content: 'owned' }]);
    await expect(extract('m.tgz', archive, ArchiveFormat.TAR_GZIP)).rejects.toThrow("refused archive entry \"a/../../evil.onnx\" in s3://models/m.tgz: it contains a '..' segment");
    expect(await filesOutsideDestination()).toEqual([]);
  });

  it('refuses an absolute path in a tar', async () => {
    const archive = await makeTar([{ name: '/tmp/evil.onnx', content: 'owned' }], false);
    await expect(extract('m.tar', archive, ArchiveFormat.TAR)).rejects.toThrow('refused archive entry "/tmp/evil.onnx" in s3://models/m.tar: it is an absolute path, which could write outside the model folder');
  });

  it('refuses a symbolic link in a tar (a link could point the next entry outside)', async () => {
    const archive = await makeTar([{ name: 'escape', type: 'symlink', linkname: '/etc' }, { name: 'escape/passwd', content: 'owned' }]);
    await expect(extract('m.tar.gz', archive, ArchiveFormat.TAR_GZIP)).rejects.toThrow('refused archive entry "escape" in s3://models/m.tar.gz: it is a symlink; only files and folders are unpacked');
    expect(await readdir(destination)).toEqual([]);
  });

  it('refuses a ../ entry in a .zip and writes nothing outside the model folder', async () => {
    const archive = makeZip({ 'model.onnx': 'ok', '../evil.onnx': 'owned' });
    await expect(extract('m.zip', archive, ArchiveFormat.ZIP)).rejects.toThrow(
      'refused archive entry "../evil.onnx" in s3://models/m.zip: it contains a \'..\' segment, which could write outside the model folder',
    );
    expect(await filesOutsideDestination()).toEqual([]);
  });

  it('refuses an absolute path in a .zip', async () => {
    await expect(extract('m.zip', makeZip({ '/evil.onnx': 'owned' }), ArchiveFormat.ZIP)).rejects.toThrow('refused archive entry "/evil.onnx" in s3://models/m.zip: it is an absolute path');
  });

  it('refuses an archive that unpacks past the size limit (a 2 MiB gzip bomb against a 1 MiB limit)', async () => {
    const archive = await makeTar([{ name: 'zeros.bin', content: Buffer.alloc(2 * 1024 * 1024) }]);
    expect(archive.length).toBeLessThan(16 * 1024);
    await expect(extract('bomb.tar.gz', archive, ArchiveFormat.TAR_GZIP)).rejects.toThrow(
      'refused archive s3://models/bomb.tar.gz: it unpacks to more than 1048576 bytes (raise --max-unpacked-size if the model really is that large)',
    );
    await expect(extract('bomb.zip', makeZip({ 'zeros.bin': Buffer.alloc(2 * 1024 * 1024) }), ArchiveFormat.ZIP)).rejects.toThrow('refused archive s3://models/bomb.zip: it unpacks to more than 1048576 bytes');
  });

  it('refuses an archive with more entries than allowed', async () => {
    const entries = Array.from({ length: 5 }, (_, index) => ({ name: `f${index}`, content: 'x' }));
    await expect(extract('many.tar.gz', await makeTar(entries), ArchiveFormat.TAR_GZIP, { ...LIMITS, maxEntries: 4 })).rejects.toThrow('refused archive s3://models/many.tar.gz: it has more than 4 entries');
  });

  it('refuses a file named like an archive whose content is not one (an HTML error page saved as .zip)', async () => {
    await expect(extract('m.zip', Buffer.from('<html>login</html>'), ArchiveFormat.ZIP)).rejects.toThrow('s3://models/m.zip is named like a .zip archive but its content is not one');
    await expect(extract('m.tar.gz', Buffer.from('<html>login</html>'), ArchiveFormat.TAR_GZIP)).rejects.toThrow('s3://models/m.tar.gz is named like a .tar.gz archive but its content is not one');
  });

  it('reports a truncated .tar.gz as an archive that cannot be unpacked', async () => {
    const archive = gzipSync(Buffer.from('not a tar at all, just gzip'));
    await expect(extract('m.tar.gz', archive, ArchiveFormat.TAR_GZIP)).rejects.toThrow(/^cannot unpack s3:\/\/models\/m\.tar\.gz as tar\.gz: /);
  });
});
