/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import * as path from 'node:path';
import { ModelState } from '../../../runtime/src/models/model';
import { type ModelEntry, ModelRepository } from '../../../runtime/src/models/model-repository';
import { IRIS_DIR } from '../helpers/paths';
import { writeTempModel } from '../helpers/test-server';

describe('ModelRepository with the ONNX loader', () => {
  let repository: ModelRepository;

  beforeEach(() => {
    repository = new ModelRepository();
  });

  afterEach(async () => {
    await repository.unloadAll();
  });

  it('lists a model as LOADING, then READY with its load time', async () => {
    const seen: ModelEntry[] = [];
    repository.onStateChange((entry) => seen.push(entry));
    const settled = await repository.load('iris', IRIS_DIR);
    expect(seen.map((entry) => entry.state)).toEqual([ModelState.LOADING, ModelState.READY]);
    expect(settled).toMatchObject({ name: 'iris', uri: IRIS_DIR, state: ModelState.READY });
    expect(settled.model?.version).toBe('1');
    expect(settled.loadMs).toBeGreaterThan(0);
    expect(repository.get('iris')).toBe(settled);
    expect(repository.allReady()).toBe(true);
  });

  it('marks a corrupt model UNAVAILABLE with onnxruntime\'s reason while others stay READY', async () => {
    const corrupt = await writeTempModel('not an onnx file');
    try {
      const [iris, broken] = await repository.loadAll([
        { name: 'iris', uri: IRIS_DIR },
        { name: 'broken', uri: corrupt.dir },
      ]);
      expect(iris?.state).toBe(ModelState.READY);
      expect(broken?.state).toBe(ModelState.UNAVAILABLE);
      expect(broken?.model).toBeUndefined();
      expect(broken?.reason).toBe(`Load model from ${corrupt.file} failed:Protobuf parsing failed.`);
      expect(repository.allReady()).toBe(false);
      expect(repository.list().map((entry) => entry.name)).toEqual(['iris', 'broken']);
    } finally {
      await corrupt.cleanup();
    }
  });

  it('marks a model whose path does not exist UNAVAILABLE with the path in the reason', async () => {
    const missing = path.join(IRIS_DIR, 'missing');
    const entry = await repository.load('ghost', missing);
    expect(entry).toMatchObject({ state: ModelState.UNAVAILABLE, reason: `model path '${missing}' does not exist` });
  });

  it('marks an unsupported storage scheme UNAVAILABLE instead of throwing', async () => {
    const entry = await repository.load('remote', 'hf://org/iris');
    expect(entry.state).toBe(ModelState.UNAVAILABLE);
    expect(entry.reason).toBe("storage scheme 'hf' is not supported (model URI 'hf://org/iris'); use one of s3://, gs://, https://, http://, pvc://, file:// or a local path");
  });

  it('rejects a name that cannot be a URL path segment', async () => {
    await expect(repository.load('a/b', IRIS_DIR)).rejects.toThrow(
      "invalid model name 'a/b': use letters, digits, '_', '.' and '-', starting with a letter or digit",
    );
    expect(repository.list()).toEqual([]);
  });

  it('is ready with no models (nothing is missing) and forgets everything on unloadAll', async () => {
    expect(repository.allReady()).toBe(true);
    await repository.load('iris', IRIS_DIR);
    await repository.unloadAll();
    expect(repository.list()).toEqual([]);
  });
});
