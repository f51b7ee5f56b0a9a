import { whyNotBatchable } from '../batching/batchable-signature';
import type { Model } from './model';
import { resolveModelPath } from './model-path';
import { OnnxModel } from './onnx-model';
import type { SessionOptions } from './session-options';
import { ModelStorage } from './storage';

/** Loads a model by name from a URI; the repository's seam for other formats and test doubles. */
export type ModelLoader = (name: string, uri: string) => Promise<Model>;

/** How {@link createModelLoader} builds sessions. */
export interface ModelLoaderOptions {
  /** Execution provider and threading of the onnxruntime sessions. */
  readonly session?: SessionOptions;
  /**
   * Whether the models will be dynamically batched: a model that cannot be (its first dimension
   * is fixed) then fails to load with the reason, rather than failing requests later.
   * @default false
   */
  readonly batched?: boolean;
  /** Told when a model is served on the CPU although CUDA was asked for. */
  readonly onFallback?: (name: string, message: string) => void;
}

/**
 * The ONNX loader over a storage: localize (pull or find) → find the model file → ONNX session →
 * batching check. The cached copy stays pinned until the session exists, so a newer pull cannot
 * delete it midway.
 */
export function createModelLoader(storage: ModelStorage, options: ModelLoaderOptions = {}): ModelLoader {
  return async (name, uri) => {
    const local = await storage.localize(uri);
    let model: Model;
    try {
      const { file, version } = await resolveModelPath(local.path);
      model = await OnnxModel.load(name, file, version, options.session, (message) => options.onFallback?.(name, message));
    } finally {
      local.release();
    }
    const notBatchable = options.batched ? whyNotBatchable(model) : undefined;
    if (notBatchable !== undefined) {
      await model.unload();
      throw new Error(notBatchable);
    }
    return model;
  };
}

let defaultStorage: ModelStorage | undefined;

/** The default loader: a storage with default options (process.env, the temp-folder cache), CPU sessions. */
export const loadModel: ModelLoader = (name, uri) => {
  defaultStorage ??= new ModelStorage();
  return createModelLoader(defaultStorage)(name, uri);
};
