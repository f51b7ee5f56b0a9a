import { ValidationError, quote } from '../_validation';
import { ModelFormat } from './model-format';
import { ProtocolVersion } from './protocol-version';
import { DEFAULT_KFS_RUNTIME_IMAGE, RuntimeImage } from './runtime-image';

/** The KServe release whose runtime images the defaults below use. */
export const KSERVE_RUNTIME_VERSION = 'v0.20.0';

/**
 * Describes a model server image and how to start it.
 *
 * Arguments may use KServe's ServingRuntime placeholders plus three of ours:
 * `{{.Name}}` (model name), `{{.ModelDir}}` (where the model is mounted), `{{.StorageUri}}` (the URI,
 * for runtimes that pull their own model) and `{{.HttpPort}}` / `{{.GrpcPort}}`; multi-model
 * arguments also get `{{.ModelConfigFile}}` (the TrainedModel list the pod reads at start).
 */
export interface ModelRuntimeProps {
  /** A short name for messages and labels, e.g. `kserve-sklearnserver`. */
  readonly name: string;
  /** The image. */
  readonly image: RuntimeImage;
  /**
   * Image used when the predictor requests a GPU.
   * @default - the same image
   */
  readonly gpuImage?: RuntimeImage;
  /** Formats this runtime can serve. */
  readonly supportedFormats: ModelFormat[];
  /** Protocols the server speaks; the first is the default. */
  readonly protocols: ProtocolVersion[];
  /**
   * Container entrypoint.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Container arguments, with placeholders.
   * @default []
   */
  readonly args?: string[];
  /**
   * Whether the server downloads its model itself from `{{.StorageUri}}`; otherwise the library adds a
   * storage initializer that downloads it into `{{.ModelDir}}` first.
   * @default false
   */
  readonly pullsOwnModel?: boolean;
  /**
   * Whether the server can use a GPU; a predictor that requests one on a runtime that cannot fails synth.
   * @default false
   */
  readonly gpuCapable?: boolean;
  /**
   * HTTP port the server listens on.
   * @default 8080
   */
  readonly httpPort?: number;
  /**
   * gRPC port the server listens on, when it speaks a gRPC protocol.
   * @default 8081
   */
  readonly grpcPort?: number;
  /**
   * HTTP path that answers 200 once the model is loaded; Knative's queue-proxy probes it so no request
   * reaches a replica before its model is ready.
   * @default - none: Knative probes the TCP port (KServe's behaviour)
   */
  readonly readinessPath?: string;
  /**
   * Port the server serves Prometheus metrics on (what KServe's ServingRuntimes declare as
   * `prometheus.kserve.io/port`); the scrape annotations point here.
   * @default - the HTTP port (KServe's Python servers serve `/metrics` there)
   */
  readonly metricsPort?: number;
  /**
   * Path of the Prometheus metrics.
   * @default '/metrics'
   */
  readonly metricsPath?: string;
  /**
   * Whether the server takes kfs-runtime's serving flags (`--max-batch-size`, `--log-url`,
   * `--otlp-endpoint`, `--execution-provider`, …). Only such a runtime can serve a predictor's
   * `batcher`, `logger` and `observability.runtimeTracing`, and a predictor with a GPU gets
   * `--execution-provider=cuda` on it.
   * @default false
   */
  readonly kfsRuntimeFlags?: boolean;
  /**
   * Arguments that start the server in multi-model mode: no model of its own, the TrainedModels of
   * its InferenceService loaded from `{{.ModelConfigFile}}` before it reports ready, and more loaded
   * or unloaded later through the v2 model repository API (`/v2/repository/models/{name}/load|unload`).
   * @default - none: the runtime cannot serve TrainedModels
   */
  readonly multiModelArgs?: string[];
}

/**
 * A model server: which image serves which formats, and with which arguments.
 *
 * The table of defaults lives in this file (`ModelRuntime.forFormat`). Override it per predictor with
 * `model.runtime`, e.g. `ModelRuntime.TRITON_SERVER` for an ONNX model, or
 * `ModelRuntime.SKLEARN_SERVER.withImage(RuntimeImage.fromRegistry('registry.local/sklearnserver:v1'))`.
 */
export class ModelRuntime {
  /** The bundled `kfs-runtime` (onnxruntime; pulls its own model, so no init container). */
  public static readonly KFS_RUNTIME = new ModelRuntime({
    name: 'kfs-runtime',
    image: DEFAULT_KFS_RUNTIME_IMAGE,
    supportedFormats: [ModelFormat.ONNX],
    protocols: [ProtocolVersion.V2],
    args: ['serve', '--model={{.Name}}={{.StorageUri}}', '--http-port={{.HttpPort}}'],
    multiModelArgs: ['serve', '--model-config={{.ModelConfigFile}}', '--http-port={{.HttpPort}}'],
    pullsOwnModel: true,
    gpuCapable: true,
    readinessPath: '/v2/health/ready',
    // kfs-runtime serves /metrics on its own port (`--metrics-port`, default 8082), away from inference traffic.
    metricsPort: 8082,
    kfsRuntimeFlags: true,
  });

  /** KServe's scikit-learn server. */
  public static readonly SKLEARN_SERVER = new ModelRuntime(kservePythonServerProps('kserve-sklearnserver', 'sklearnserver', [ModelFormat.SKLEARN], false));
  /** KServe's XGBoost server. */
  public static readonly XGBOOST_SERVER = new ModelRuntime(kservePythonServerProps('kserve-xgbserver', 'xgbserver', [ModelFormat.XGBOOST], false, ['--nthread=1']));
  /** KServe's LightGBM server. */
  public static readonly LIGHTGBM_SERVER = new ModelRuntime(kservePythonServerProps('kserve-lgbserver', 'lgbserver', [ModelFormat.LIGHTGBM], false, ['--nthread=1']));
  /** KServe's PMML server. */
  public static readonly PMML_SERVER = new ModelRuntime(kservePythonServerProps('kserve-pmmlserver', 'pmmlserver', [ModelFormat.PMML], false));
  /** KServe's PaddlePaddle server. */
  public static readonly PADDLE_SERVER = new ModelRuntime(kservePythonServerProps('kserve-paddleserver', 'paddleserver', [ModelFormat.PADDLE], true));
  /** KServe's Hugging Face server. */
  public static readonly HUGGINGFACE_SERVER = new ModelRuntime({
    name: 'kserve-huggingfaceserver',
    image: RuntimeImage.fromRegistry(`kserve/huggingfaceserver:${KSERVE_RUNTIME_VERSION}`),
    gpuImage: RuntimeImage.fromRegistry(`kserve/huggingfaceserver:${KSERVE_RUNTIME_VERSION}-gpu`),
    supportedFormats: [ModelFormat.HUGGINGFACE],
    protocols: [ProtocolVersion.V1, ProtocolVersion.V2],
    args: ['--model_name={{.Name}}', '--model_dir={{.ModelDir}}', '--http_port={{.HttpPort}}'],
    gpuCapable: true,
  });
  /** TensorFlow Serving. */
  public static readonly TENSORFLOW_SERVING = new ModelRuntime({
    name: 'kserve-tensorflow-serving',
    image: RuntimeImage.fromRegistry('tensorflow/serving:2.6.2'),
    gpuImage: RuntimeImage.fromRegistry('tensorflow/serving:2.6.2-gpu'),
    supportedFormats: [ModelFormat.TENSORFLOW],
    protocols: [ProtocolVersion.V1, ProtocolVersion.GRPC_V1],
    command: ['/usr/bin/tensorflow_model_server'],
    args: ['--model_name={{.Name}}', '--port={{.GrpcPort}}', '--rest_api_port={{.HttpPort}}', '--model_base_path={{.ModelDir}}', '--rest_api_timeout_in_ms=60000'],
    gpuCapable: true,
    grpcPort: 9000,
  });
  /** TorchServe with KServe's wrapper. */
  public static readonly TORCHSERVE = new ModelRuntime({
    name: 'kserve-torchserve',
    image: RuntimeImage.fromRegistry('pytorch/torchserve-kfs:0.9.0'),
    gpuImage: RuntimeImage.fromRegistry('pytorch/torchserve-kfs:0.9.0-gpu'),
    supportedFormats: [ModelFormat.PYTORCH],
    protocols: [ProtocolVersion.V1, ProtocolVersion.V2, ProtocolVersion.GRPC_V2],
    command: ['torchserve'],
    args: ['--start', '--model-store={{.ModelDir}}/model-store', '--ts-config={{.ModelDir}}/config/config.properties'],
    gpuCapable: true,
    grpcPort: 7070,
    metricsPort: 8082,
  });
  /** NVIDIA Triton Inference Server. */
  public static readonly TRITON_SERVER = new ModelRuntime({
    name: 'kserve-tritonserver',
    image: RuntimeImage.fromRegistry('nvcr.io/nvidia/tritonserver:23.05-py3'),
    supportedFormats: [ModelFormat.TRITON, ModelFormat.ONNX, ModelFormat.TENSORFLOW, ModelFormat.PYTORCH],
    protocols: [ProtocolVersion.V2, ProtocolVersion.GRPC_V2],
    command: ['tritonserver'],
    args: ['--model-store={{.ModelDir}}', '--grpc-port={{.GrpcPort}}', '--http-port={{.HttpPort}}', '--allow-grpc=true', '--allow-http=true'],
    gpuCapable: true,
    grpcPort: 9000,
    // Triton's default --metrics-port, as KServe's kserve-tritonserver runtime annotates it.
    metricsPort: 8002,
  });

  /** The runtime KServe would pick for a format, or undefined when none is known. */
  public static forFormat(format: ModelFormat): ModelRuntime | undefined {
    return DEFAULT_RUNTIMES.find(runtime => runtime.supports(format));
  }

  /** A runtime of your own (any image that serves a model over HTTP on one port). */
  public static custom(props: ModelRuntimeProps): ModelRuntime {
    return new ModelRuntime(props);
  }

  /** A short name, e.g. `kserve-sklearnserver`. */
  public readonly name: string;
  /** The image. */
  public readonly image: RuntimeImage;
  /** Formats this runtime can serve. */
  public readonly supportedFormats: ModelFormat[];
  /** Protocols it speaks; the first is the default. */
  public readonly protocols: ProtocolVersion[];
  /** Whether it downloads its own model. */
  public readonly pullsOwnModel: boolean;
  /** Whether it can use a GPU. */
  public readonly gpuCapable: boolean;
  /** HTTP port. */
  public readonly httpPort: number;
  /** gRPC port. */
  public readonly grpcPort: number;
  /** Readiness path, if the server has one. */
  public readonly readinessPath?: string;
  /** Port of the Prometheus metrics. */
  public readonly metricsPort: number;
  /** Path of the Prometheus metrics. */
  public readonly metricsPath: string;
  /** Whether the server takes kfs-runtime's serving flags. */
  public readonly kfsRuntimeFlags: boolean;
  /** Whether it can serve TrainedModels (it has multi-model arguments). */
  public readonly supportsMultiModel: boolean;

  private constructor(private readonly props: ModelRuntimeProps) {
    if (props.protocols.length === 0) {
      throw new ValidationError(`ModelRuntime '${props.name}': protocols (${quote(props.protocols)}) is empty; list at least one protocol the server speaks`);
    }
    this.name = props.name;
    this.image = props.image;
    this.supportedFormats = props.supportedFormats;
    this.protocols = props.protocols;
    this.pullsOwnModel = props.pullsOwnModel ?? false;
    this.gpuCapable = props.gpuCapable ?? false;
    this.httpPort = props.httpPort ?? 8080;
    this.grpcPort = props.grpcPort ?? 8081;
    this.readinessPath = props.readinessPath;
    this.metricsPort = props.metricsPort ?? this.httpPort;
    this.metricsPath = props.metricsPath ?? '/metrics';
    this.kfsRuntimeFlags = props.kfsRuntimeFlags ?? false;
    this.supportsMultiModel = props.multiModelArgs !== undefined;
  }

  /** The same runtime with another image (e.g. a mirror in your registry, or a digest-pinned one). */
  public withImage(image: RuntimeImage, gpuImage?: RuntimeImage): ModelRuntime {
    return new ModelRuntime({ ...this.props, image, gpuImage: gpuImage ?? image });
  }

  /** True when this runtime can serve the format (and version, when the runtime lists one). */
  public supports(format: ModelFormat): boolean {
    return this.supportedFormats.some(f => f.sameFormatAs(format) && (!f.version || !format.version || f.version === format.version));
  }

  /**
   * @internal the image for a predictor with or without a GPU; the library's default kfs-runtime
   * image stands for `kfsRuntimeDefault` (the app-wide override, see RuntimeImage.setKfsRuntimeDefault)
   */
  public _imageFor(gpu: boolean, kfsRuntimeDefault: RuntimeImage = DEFAULT_KFS_RUNTIME_IMAGE): RuntimeImage {
    const image = gpu ? (this.props.gpuImage ?? this.image) : this.image;
    return image === DEFAULT_KFS_RUNTIME_IMAGE ? kfsRuntimeDefault : image;
  }

  /** @internal command and args with placeholders filled in */
  public _container(values: RuntimePlaceholderValues): { command?: string[]; args: string[] } {
    const fill = (arg: string) => fillPlaceholders(arg, {
      '{{.Name}}': values.modelName,
      '{{.ModelDir}}': values.modelDir,
      '{{.StorageUri}}': values.storageUri,
      '{{.HttpPort}}': String(this.httpPort),
      '{{.GrpcPort}}': String(this.grpcPort),
    });
    return {
      command: this.props.command?.map(fill),
      args: (this.props.args ?? []).map(fill),
    };
  }

  /** @internal command and args of the multi-model server; call only when `supportsMultiModel` */
  public _multiModelContainer(modelConfigFile: string): { command?: string[]; args: string[] } {
    const fill = (arg: string) => fillPlaceholders(arg, {
      '{{.ModelConfigFile}}': modelConfigFile,
      '{{.HttpPort}}': String(this.httpPort),
      '{{.GrpcPort}}': String(this.grpcPort),
    });
    return {
      command: this.props.command?.map(fill),
      args: (this.props.multiModelArgs ?? []).map(fill),
    };
  }
}

/** @internal values for a runtime's argument placeholders */
export interface RuntimePlaceholderValues {
  readonly modelName: string;
  readonly modelDir: string;
  readonly storageUri: string;
}

function fillPlaceholders(arg: string, values: Record<string, string>): string {
  return arg.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (placeholder, key: string) => {
    const value = values[`{{.${key}}}`];
    if (value === undefined) {
      const known = Object.keys(values);
      throw new ValidationError(`ModelRuntime: argument (${quote(arg)}) uses the unknown placeholder ${placeholder}; use ${known.slice(0, -1).join(', ')} or ${known[known.length - 1]}`);
    }
    return value;
  });
}

/** KServe's Python model servers share one command line. */
function kservePythonServerProps(name: string, image: string, formats: ModelFormat[], gpuCapable: boolean, extraArgs: string[] = []): ModelRuntimeProps {
  return {
    name,
    image: RuntimeImage.fromRegistry(`kserve/${image}:${KSERVE_RUNTIME_VERSION}`),
    supportedFormats: formats,
    protocols: [ProtocolVersion.V1, ProtocolVersion.V2],
    args: ['--model_name={{.Name}}', '--model_dir={{.ModelDir}}', '--http_port={{.HttpPort}}', ...extraArgs],
    gpuCapable,
  };
}

/** Format → runtime, in KServe's order of preference for a default install. */
const DEFAULT_RUNTIMES: readonly ModelRuntime[] = [
  ModelRuntime.KFS_RUNTIME,
  ModelRuntime.SKLEARN_SERVER,
  ModelRuntime.XGBOOST_SERVER,
  ModelRuntime.LIGHTGBM_SERVER,
  ModelRuntime.TENSORFLOW_SERVING,
  ModelRuntime.TORCHSERVE,
  ModelRuntime.TRITON_SERVER,
  ModelRuntime.HUGGINGFACE_SERVER,
  ModelRuntime.PMML_SERVER,
  ModelRuntime.PADDLE_SERVER,
];
