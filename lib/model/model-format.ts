import { propError } from '../_validation';

/**
 * The framework a model was saved with, as KServe's `modelFormat` names it.
 *
 * The format picks the serving runtime (see `ModelRuntime.forFormat`), so a predictor written for
 * KServe (`modelFormat: {name: sklearn}`) means the same thing here.
 */
export class ModelFormat {
  /** ONNX, served by the bundled `kfs-runtime` (onnxruntime). */
  public static readonly ONNX = new ModelFormat('onnx');
  /** scikit-learn (joblib/pickle), served by KServe's sklearnserver. */
  public static readonly SKLEARN = new ModelFormat('sklearn');
  /** XGBoost, served by KServe's xgbserver. */
  public static readonly XGBOOST = new ModelFormat('xgboost');
  /** LightGBM, served by KServe's lgbserver. */
  public static readonly LIGHTGBM = new ModelFormat('lightgbm');
  /** TensorFlow SavedModel, served by TensorFlow Serving. */
  public static readonly TENSORFLOW = new ModelFormat('tensorflow');
  /** PyTorch (TorchServe model archive), served by TorchServe. */
  public static readonly PYTORCH = new ModelFormat('pytorch');
  /** A Triton model repository, served by NVIDIA Triton Inference Server. */
  public static readonly TRITON = new ModelFormat('triton');
  /** A Hugging Face model, served by KServe's huggingfaceserver. */
  public static readonly HUGGINGFACE = new ModelFormat('huggingface');
  /** PMML, served by KServe's pmmlserver. */
  public static readonly PMML = new ModelFormat('pmml');
  /** PaddlePaddle, served by KServe's paddleserver. */
  public static readonly PADDLE = new ModelFormat('paddle');

  /**
   * A format by name, for runtimes this library does not know; pair it with an explicit `runtime`.
   * @param name the format name as KServe writes it (lowercase, e.g. `mlflow`)
   * @param version optional format version (e.g. `1` for sklearn 1.x)
   */
  public static of(name: string, version?: string): ModelFormat {
    if (!/^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/.test(name)) {
      throw propError('ModelFormat.of', 'name', name, 'is not a format name', 'use lowercase letters, digits, `-`, `.` or `_`, e.g. "sklearn"');
    }
    return new ModelFormat(name, version);
  }

  private constructor(
    /** The format name, e.g. `onnx`. */
    public readonly name: string,
    /** The format version, if one was given. */
    public readonly version?: string,
  ) {}

  /** The same format at a given version (KServe `modelFormat.version`). */
  public withVersion(version: string): ModelFormat {
    return new ModelFormat(this.name, version);
  }

  /** True when both name the same format, whatever their versions. */
  public sameFormatAs(other: ModelFormat): boolean {
    return this.name === other.name;
  }

  public toString(): string {
    return this.version ? `${this.name}:${this.version}` : this.name;
  }
}
