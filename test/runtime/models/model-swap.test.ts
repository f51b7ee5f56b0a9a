/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Tensor } from '../../../runtime/src/codec/tensor';
import { loadModel } from '../../../runtime/src/models/load-model';
import { ModelState } from '../../../runtime/src/models/model';
import { type ModelEntry, ModelRepository } from '../../../runtime/src/models/model-repository';
import { IRIS_DIR, IRIS_FILE } from '../helpers/paths';
import { writeTempModel } from '../helpers/test-server';

const IRIS_INPUT: Tensor = { name: 'input', datatype: 'FP32', shape: [1, 4], data: new Float32Array([5.1, 3.5, 1.4, 0.2]) };

describe('ModelRepository reloads (atomic version swap)', () => {
  let work: string;
  let version2: string;
  let release: () => void;
  let gate: Promise<void>;
  let repository: ModelRepository;

  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'kfs-swap-'));
    version2 = path.join(work, 'iris');
    await mkdir(path.join(version2, '2'), { recursive: true });
    await copyFile(IRIS_FILE, path.join(version2, '2', 'model.onnx'));
    gate = Promise.resolve();
    release = () => {};
    // The real ONNX loader; the test decides when a load may start, to look at the repository meanwhile.
    repository = new ModelRepository(async (name, uri) => {
      await gate;
      return loadModel(name, uri);
    });
  });

  afterEach(async () => {
    await repository.unloadAll();
    await rm(work, { recursive: true, force: true });
  });

  function holdLoads(): void {
    gate = new Promise((resolve) => (release = resolve));
  }

  it('keeps the serving version READY while the new one loads, then swaps to it', async () => {
    const v1 = await repository.load('iris', IRIS_DIR);
    const seen: ModelEntry[] = [];
    repository.onStateChange((entry) => seen.push(entry));
    holdLoads();
    const reloading = repository.load('iris', version2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(repository.get('iris')).toBe(v1);
    expect(repository.allReady()).toBe(true);
    expect(await v1.model!.infer([IRIS_INPUT], ['label'])).toHaveLength(1);

    release();
    const v2 = await reloading;
    expect(v2).toMatchObject({ state: ModelState.READY, uri: version2 });
    expect(v2.model?.version).toBe('2');
    expect(repository.get('iris')).toBe(v2);
    expect(seen.map((entry) => entry.state)).toEqual([ModelState.READY]);
    await expect(v1.model!.infer([IRIS_INPUT], ['label'])).rejects.toThrow("model 'iris' is being unloaded");
  });

  it('releases a swapped-out session only after the runs in flight on it have finished', async () => {
    const v1 = await repository.load('iris', IRIS_DIR);
    const order: string[] = [];
    // onnxruntime runs on its own threads, so this run is still pending when unload() is called.
    const inFlight = v1.model!.infer([IRIS_INPUT], ['label', 'probabilities']).then((outputs) => {
      order.push('infer finished');
      return outputs;
    });
    const unloaded = v1.model!.unload().then(() => order.push('session released'));
    const [label, probabilities] = await inFlight;
    await unloaded;
    expect(order).toEqual(['infer finished', 'session released']);
    expect(Array.from(label!.data as BigInt64Array)).toEqual([0n]);
    expect(probabilities!.shape).toEqual([1, 3]);
  });

  it('keeps the old version serving when the reload fails, and reports the failure as the outcome', async () => {
    const v1 = await repository.load('iris', IRIS_DIR);
    const corrupt = await writeTempModel('not onnx');
    const reported: ModelEntry[] = [];
    repository.onStateChange((entry) => reported.push(entry));
    try {
      const outcome = await repository.load('iris', corrupt.dir);
      expect(outcome).toMatchObject({ state: ModelState.UNAVAILABLE, uri: corrupt.dir, reason: `Load model from ${corrupt.file} failed:Protobuf parsing failed.` });
      expect(repository.get('iris')).toBe(v1);
      expect(reported).toEqual([outcome]);
      expect(await v1.model!.infer([IRIS_INPUT], ['label'])).toHaveLength(1);
    } finally {
      await corrupt.cleanup();
    }
  });

  it('lets the latest of two overlapping loads win and releases the other', async () => {
    holdLoads();
    const first = repository.load('iris', IRIS_DIR);
    const second = repository.load('iris', version2);
    release();
    const [, latest] = await Promise.all([first, second]);
    expect(repository.get('iris')).toBe(latest);
    expect(repository.get('iris')?.model?.version).toBe('2');
  });
});
