import { Size, SizeRoundingBehavior } from 'cdk8s';
import { Construct } from 'constructs';
import * as kserveApi from '../../imports/kserve-trainedmodel-serving.kserve.io';
import * as kserve from '../_kserve';
import { ValidationError, propError } from '../_validation';
import { quantityValue } from '../components/_resolve';
import { InferenceService } from '../inference-service';
import { ModelFormat } from '../model/model-format';
import { StorageScheme, StorageUri } from '../model/storage-uri';

/** A model to load into a multi-model InferenceService (KServe `TrainedModel`, `serving.kserve.io/v1alpha1`). */
export interface TrainedModelProps {
  /** The multi-model InferenceService whose predictor replicas load the model (same namespace). */
  readonly inferenceService: InferenceService;

  /** Where the model is stored; a running replica pulls it, so `s3://`, `gs://`, `https://` or `http://`. */
  readonly storageUri: StorageUri;

  /** The model's format (`spec.model.framework`); the predictor's runtime must serve it. */
  readonly format: ModelFormat;

  /**
   * Memory the loaded model needs. The controller admits TrainedModels while the sum of their
   * `memory` fits in the predictor's memory limit, and rejects the rest with a status condition.
   */
  readonly memory: Size;

  /**
   * The TrainedModel's name, which is also the model's name in inference URLs (`/v2/models/<name>/infer`).
   * @default - the construct id
   */
  readonly name?: string;

  /**
   * Labels of the TrainedModel object.
   * @default - the InferenceService label only
   */
  readonly labels?: { [key: string]: string };
}

// KServe's webhook allows [a-zA-Z0-9_-]; a Kubernetes object name adds lowercase and length rules.
const TRAINED_MODEL_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_NAME_LENGTH = 253;
/** The schemes KServe's model puller (`pkg/agent/storage/provider.go`) can download from at run time. */
const PULLABLE_SCHEMES: readonly StorageScheme[] = [StorageScheme.S3, StorageScheme.GCS, StorageScheme.HTTPS, StorageScheme.HTTP];

/** Every TrainedModel construct per InferenceService, for the cross-model memory check at synth. */
const trainedModelsOf = new WeakMap<InferenceService, TrainedModel[]>();

/**
 * A KServe `TrainedModel`: one model served by a multi-model InferenceService. The `ModelController`
 * (running in the cluster) loads it into every predictor replica without a restart, and reports
 * in its status whether it is loaded everywhere.
 *
 * @example
 * new TrainedModel(chart, 'iris-v1', {
 *   inferenceService: mms,
 *   storageUri: StorageUri.s3('models', 'iris/1'),
 *   format: ModelFormat.ONNX,
 *   memory: Size.mebibytes(64),
 * });
 */
export class TrainedModel extends Construct {
  /** The TrainedModel's name (and the model's name in inference URLs). */
  public readonly name: string;
  /** Its namespace: always the InferenceService's. */
  public readonly namespace: string;
  /** The InferenceService that serves it. */
  public readonly inferenceService: InferenceService;
  /** Where the model is stored. */
  public readonly storageUri: StorageUri;
  /** The model's format. */
  public readonly format: ModelFormat;
  /** Memory as written into `spec.model.memory`, e.g. `256Mi`. */
  public readonly memory: string;
  /** The generated `serving.kserve.io/v1alpha1` TrainedModel. */
  public readonly resource: kserveApi.TrainedModel;

  constructor(scope: Construct, id: string, props: TrainedModelProps) {
    super(scope, id);
    this.name = props.name ?? id;
    const owner = `TrainedModel '${this.name}'`;
    if (!TRAINED_MODEL_NAME.test(this.name) || this.name.length > MAX_NAME_LENGTH) {
      throw propError(owner, 'name', this.name, 'is not a valid TrainedModel name',
        `use lowercase letters, digits and "-", starting and ending with a letter or digit, at most ${MAX_NAME_LENGTH} characters`);
    }
    const isvc = props.inferenceService;
    const predictor = isvc.predictor;
    if (!predictor.multiModel) {
      throw propError(owner, 'inferenceService', isvc.name, 'is not a multi-model InferenceService',
        'set predictor.multiModel on it: TrainedModels are loaded into multi-model predictors only');
    }
    if (!PULLABLE_SCHEMES.includes(props.storageUri.scheme)) {
      throw propError(owner, 'storageUri', props.storageUri.uri, 'cannot be pulled by a running predictor replica',
        'use an s3://, gs://, https:// or http:// URI');
    }
    const runtime = predictor.runtime!;
    if (!runtime.supports(props.format)) {
      throw propError(owner, 'format', props.format.toString(),
        `is not served by runtime '${runtime.name}' of InferenceService '${isvc.name}' (it serves ${runtime.supportedFormats.map(f => f.toString()).join(', ')})`,
        'store the model in a format the runtime serves');
    }
    this.memory = formatMemory(owner, props.memory);
    const limit = predictor.memoryLimit!;
    if (quantityValue(this.memory) > quantityValue(limit)) {
      throw propError(owner, 'memory', this.memory, `is more than the memory limit of InferenceService '${isvc.name}' predictor (${limit})`,
        'raise predictor.resources.memory.limit, or give the model a smaller footprint');
    }

    this.namespace = isvc.namespace;
    this.inferenceService = isvc;
    this.storageUri = props.storageUri;
    this.format = props.format;
    this.resource = new kserveApi.TrainedModel(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: { ...props.labels, [kserve.LABEL_INFERENCE_SERVICE]: isvc.name },
      },
      spec: {
        inferenceService: isvc.name,
        model: {
          storageUri: props.storageUri.uri,
          framework: props.format.name,
          memory: kserveApi.TrainedModelSpecModelMemory.fromString(this.memory),
        },
      },
    });
    registerForMemoryCheck(this);
  }

  /** External inference URL, as the controller writes it into `status.url` (v2 protocol). */
  public get url(): string {
    return `${this.inferenceService.url}/v2/models/${this.name}/infer`;
  }

  /** In-cluster inference URL (`status.address.url`). */
  public get clusterLocalUrl(): string {
    return `${this.inferenceService.clusterLocalUrl}/v2/models/${this.name}/infer`;
  }
}

/** `256Mi`, `2Gi` or, for sizes that are not whole mebibytes, `1536Ki`. */
function formatMemory(owner: string, size: Size): string {
  const kibibytes = size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!(kibibytes > 0)) {
    throw propError(owner, 'memory', `${kibibytes}Ki`, 'is not positive', "give the loaded model's memory footprint, e.g. Size.mebibytes(256)");
  }
  if (kibibytes % (1024 * 1024) === 0) return `${kibibytes / (1024 * 1024)}Gi`;
  if (kibibytes % 1024 === 0) return `${kibibytes / 1024}Mi`;
  return `${kibibytes}Ki`;
}

/**
 * The controller admits TrainedModels in creation order while they fit, so a chart whose models
 * cannot all fit would leave the last ones rejected: say so at synth instead.
 */
function registerForMemoryCheck(model: TrainedModel): void {
  const isvc = model.inferenceService;
  const models = trainedModelsOf.get(isvc);
  if (models !== undefined) {
    models.push(model);
    return;
  }
  const registered = [model];
  trainedModelsOf.set(isvc, registered);
  isvc.node.addValidation({
    validate: () => {
      const limit = isvc.predictor.memoryLimit!;
      const total = registered.reduce((sum, m) => sum + quantityValue(m.memory), 0);
      if (total <= quantityValue(limit)) return [];
      const parts = registered.map(m => `${m.name}: ${m.memory}`).join(', ');
      return [new ValidationError(`InferenceService '${isvc.name}': its TrainedModels need ${formatBytes(total)} of memory (${parts}), more than the predictor's memory limit (${limit}); `
        + 'raise predictor.resources.memory.limit, or serve some of the models from another InferenceService').message];
    },
  });
}

function formatBytes(bytes: number): string {
  const kibibytes = bytes / 1024;
  if (kibibytes % (1024 * 1024) === 0) return `${kibibytes / (1024 * 1024)}Gi`;
  if (kibibytes % 1024 === 0) return `${kibibytes / 1024}Mi`;
  return `${kibibytes}Ki`;
}
