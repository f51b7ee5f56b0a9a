import type { Model } from './model';
import { resolveModelPath } from './model-path';
import { OnnxModel } from './onnx-model';
import { ModelStorage } from './storage';

/** Loads a model by name from a URI; the repository's seam for other formats and test doubles. */
export type ModelLoader = (name: string, uri: string) => Promise<Model>;

/**
 * The ONNX loader over a storage: localize (pull or find) → find the model file → ONNX session.
 * The cached copy stays pinned until the session exists, so a newer pull cannot delete it midway.
 */
export function createModelLoader(storage: ModelStorage): ModelLoader {
  return async (name, uri) => {
    const local = await storage.localize(uri);
    try {
      const { file, version } = await resolveModelPath(local.path);
      return await OnnxModel.load(name, file, version);
    } finally {
      local.release();
    }
  };
}

let defaultStorage: ModelStorage | undefined;

/** The default loader, over a storage with default options (process.env, the temp-folder cache). */
export const loadModel: ModelLoader = (name, uri) => {
  defaultStorage ??= new ModelStorage();
  return createModelLoader(defaultStorage)(name, uri);
};
