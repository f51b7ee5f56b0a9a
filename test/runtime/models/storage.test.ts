/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModelState } from '../../../runtime/src/models/model';
import { normalizeModelUri, storageScheme } from '../../../runtime/src/models/storage';
import { makeTar } from '../helpers/archives';
import { IRIS_DIR, IRIS_FILE } from '../helpers/paths';
import { type StorageFixture, committedCacheFolders, makeStorageFixture } from '../helpers/storage';

describe('model storage URIs', () => {
  it('treats bare paths as local files and makes them absolute against the working directory', () => {
    expect(storageScheme('models/iris')).toBe('file');
    expect(normalizeModelUri('models/iris', '/srv/app')).toBe('/srv/app/models/iris');
    expect(normalizeModelUri('/mnt/models', '/srv/app')).toBe('/mnt/models');
  });

  it('keeps URIs as given after validating them', () => {
    const uri = pathToFileURL('/mnt/models/iris').href;
    expect(normalizeModelUri(uri)).toBe(uri);
    expect(normalizeModelUri('S3://models/iris')).toBe('S3://models/iris');
    expect(storageScheme('PVC://claim/iris')).toBe('pvc');
  });
});

describe('ModelStorage with local sources', () => {
  let fixture: StorageFixture;
  let work: string;

  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'kfs-local-storage-'));
    fixture = await makeStorageFixture({ pvcMountRoot: path.join(work, 'pvc') });
  });

  afterEach(async () => {
    await fixture.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  it('uses local paths and file:// URIs in place, without copying them into the cache', async () => {
    expect((await fixture.storage.localize(IRIS_DIR)).path).toBe(IRIS_DIR);
    expect((await fixture.storage.localize(pathToFileURL(IRIS_FILE).href)).path).toBe(IRIS_FILE);
    expect(await committedCacheFolders(fixture.cacheDir)).toEqual([]);
  });

  it('reads pvc://<claim>/<path> under the mount root', async () => {
    await mkdir(path.join(work, 'pvc', 'model-store', 'iris'), { recursive: true });
    await writeFile(path.join(work, 'pvc', 'model-store', 'iris', 'model.onnx'), await readFile(IRIS_FILE));
    const entry = await fixture.repository.load('iris', 'pvc://model-store/iris');
    expect(entry.state).toBe(ModelState.READY);
    expect(entry.model?.path).toBe(path.join(work, 'pvc', 'model-store', 'iris', 'model.onnx'));
  });

  it('unpacks a local .tar.gz into the cache once, and again only when the file changes', async () => {
    const archive = path.join(work, 'iris.tar.gz');
    await writeFile(archive, await makeTar([{ name: '1/model.onnx', content: await readFile(IRIS_FILE) }]));
    const first = await fixture.repository.load('iris', archive);
    expect(first).toMatchObject({ state: ModelState.READY });
    expect(first.model?.version).toBe('1');
    expect(first.model?.path.startsWith(fixture.cacheDir)).toBe(true);
    const again = await fixture.repository.load('iris', archive);
    expect(again.model?.path).toBe(first.model?.path);
    expect(await committedCacheFolders(fixture.cacheDir)).toHaveLength(1);
  });

  it('refuses a local archive with a ../ entry, leaving the model UNAVAILABLE and the cache empty', async () => {
    const archive = path.join(work, 'evil.tar.gz');
    await writeFile(archive, await makeTar([{ name: '../../evil.onnx', content: 'owned' }]));
    const entry = await fixture.repository.load('evil', archive);
    expect(entry).toMatchObject({
      state: ModelState.UNAVAILABLE,
      reason: `refused archive entry "../../evil.onnx" in ${archive}: it contains a '..' segment, which could write outside the model folder`,
    });
    expect(await committedCacheFolders(fixture.cacheDir)).toEqual([]);
  });
});
