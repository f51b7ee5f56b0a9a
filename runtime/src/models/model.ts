import type { ModelSignature, Tensor } from '../codec/tensor';

/** A loaded model that can serve inference; one implementation per model format. */
export interface Model extends ModelSignature {
  /** Version folder it was loaded from (`<model>/<version>/model.onnx`); undefined when unversioned. */
  readonly version: string | undefined;
  /** Reported in v2 model metadata; Triton reports ONNX models as `onnxruntime_onnx`. */
  readonly platform: string;
  /** The file the model was loaded from. */
  readonly path: string;
  /**
   * Runs the model. Inputs are already validated against the signature; outputs come back in the
   * order of `outputNames`.
   */
  infer(inputs: readonly Tensor[], outputNames: readonly string[]): Promise<Tensor[]>;
  /** Releases the engine's resources; the model must not be used afterwards. */
  unload(): Promise<void>;
}

/** Lifecycle states, as Triton's repository index names them. */
export enum ModelState {
  LOADING = 'LOADING',
  READY = 'READY',
  UNAVAILABLE = 'UNAVAILABLE',
}

/** A model to serve: the name clients use and where its files are. */
export interface ModelSource {
  /** Name in the v2 paths, `/v2/models/<name>/…`. */
  readonly name: string;
  /** A local path or a storage URI: s3://, gs://, https://, http://, pvc://, file:// (see `ModelStorage`). */
  readonly uri: string;
}
