import type { Model } from './model';
import { resolveModelPath } from './model-path';
import { OnnxModel } from './onnx-model';
import { localizeModelUri } from './storage';

/** Loads a model by name from a URI; the repository's seam for other formats and test doubles. */
export type ModelLoader = (name: string, uri: string) => Promise<Model>;

/** The default loader: fetch (local only for now) → find the model file → ONNX session. */
export const loadModel: ModelLoader = async (name, uri) => {
  const location = await localizeModelUri(uri);
  const { file, version } = await resolveModelPath(location);
  return OnnxModel.load(name, file, version);
};
