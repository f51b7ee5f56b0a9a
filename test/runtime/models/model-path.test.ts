import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolveModelPath } from '../../../runtime/src/models/model-path';
import { IRIS_DIR, IRIS_FILE } from '../helpers/paths';

describe('resolveModelPath', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kfs-model-path-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function touch(...parts: string[]): Promise<string> {
    const file = path.join(root, ...parts);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'x');
    return file;
  }

  it('takes a model file as it is, without a version', async () => {
    expect(await resolveModelPath(IRIS_FILE)).toEqual({ file: IRIS_FILE, version: undefined });
  });

  it('finds model.onnx directly inside a folder', async () => {
    const file = await touch('model.onnx');
    expect(await resolveModelPath(root)).toEqual({ file, version: undefined });
  });

  it('picks the highest numeric version folder, compared as numbers', async () => {
    await touch('2', 'model.onnx');
    const newest = await touch('10', 'model.onnx');
    await touch('notes', 'model.onnx');
    expect(await resolveModelPath(root)).toEqual({ file: newest, version: '10' });
  });

  it('resolves the repository iris model to version 1', async () => {
    expect(await resolveModelPath(IRIS_DIR)).toEqual({ file: IRIS_FILE, version: '1' });
  });

  it('follows symlinked version folders, as mounted volumes use them', async () => {
    const target = path.dirname(await touch('data', 'model.onnx'));
    await symlink(target, path.join(root, '3'));
    expect(await resolveModelPath(root)).toEqual({ file: path.join(root, '3', 'model.onnx'), version: '3' });
  });

  it('prefers model.onnx at the top over version folders', async () => {
    const file = await touch('model.onnx');
    await touch('1', 'model.onnx');
    expect((await resolveModelPath(root)).file).toBe(file);
  });

  it('reports a missing path', async () => {
    const missing = path.join(root, 'nope');
    await expect(resolveModelPath(missing)).rejects.toThrow(`model path '${missing}' does not exist`);
  });

  it('reports a folder with neither model.onnx nor version folders', async () => {
    await touch('weights.bin');
    await expect(resolveModelPath(root)).rejects.toThrow(
      `no model found in '${root}': expected model.onnx or numeric version folders (<version>/model.onnx)`,
    );
  });

  it('reports the highest version folder when it has no model.onnx, rather than silently serving an older one', async () => {
    await touch('1', 'model.onnx');
    await mkdir(path.join(root, '2'));
    await expect(resolveModelPath(root)).rejects.toThrow(`model version 2 in '${root}' has no model.onnx`);
  });
});
