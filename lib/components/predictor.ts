import { Construct } from 'constructs';
import * as kserve from '../_kserve';
import { ValidationError, propError, quote } from '../_validation';
import { ModelFormat } from '../model/model-format';
import { ModelRuntime } from '../model/model-runtime';
import { ProtocolVersion, isGrpc } from '../model/protocol-version';
import { StorageScheme, StorageUri } from '../model/storage-uri';
import { ComponentRolloutInput, resolveCanary, resolveComponentRevisions } from '../rollout/_component-revisions';
import { KnativeFeatureFlag } from '../warnings';
import { BatcherOptions } from './batcher-options';
import { ComponentProps, ContainerSpec } from './component-props';
import { LoggerOptions } from './logger-options';
import { kfsRuntimeArgs } from './_kfs-runtime-args';
import { ServingComponent } from './serving-component';
import {
  ComponentContext, SCRATCH_MOUNT, SCRATCH_VOLUME, assembleComponent, resolveEnv, resolveImage,
  resolvePort, resolveResources, resolveScaling, resolveServiceAccountName, warnFeatureFlag,
} from './_resolve';
import { StorageWiring, resolveStorageWiring } from './_storage-wiring';
import { ComponentKind, ResolvedComponent, ResolvedContainer, ResolvedEnvVar, ResolvedMetricsEndpoint, ResolvedResources, ResolvedVolume, ResolvedVolumeMount } from './_resolved';

/** A stored model and the runtime that serves it. */
export interface ModelSpec {
  /** The model's format; it picks the runtime unless `runtime` is set. */
  readonly format: ModelFormat;

  /** Where the model is stored. */
  readonly storageUri: StorageUri;

  /**
   * The model's name in inference URLs (`/v2/models/<name>/infer`).
   * @default - the InferenceService's name, as KServe does
   */
  readonly name?: string;

  /**
   * The model server to use.
   * @default - `ModelRuntime.forFormat(format)`: the bundled kfs-runtime for ONNX, KServe's runtimes for the rest
   */
  readonly runtime?: ModelRuntime;

  /**
   * Protocol the server speaks.
   * @default - the runtime's first protocol (v2 for kfs-runtime)
   */
  readonly protocolVersion?: ProtocolVersion;
}

/**
 * A multi-model predictor (KServe's "scalable multi-model serving"): it starts with no model of its
 * own and serves the TrainedModels of its InferenceService, which the `ModelController` loads into
 * every replica at run time.
 */
export interface MultiModelSpec {
  /** The format of the TrainedModels it serves; it picks the runtime unless `runtime` is set. */
  readonly format: ModelFormat;

  /**
   * The model server; it must be able to load and unload models at run time (`multiModelArgs`).
   * @default - `ModelRuntime.forFormat(format)`: the bundled kfs-runtime for ONNX
   */
  readonly runtime?: ModelRuntime;

  /**
   * The store the TrainedModels are pulled from, for its credentials and endpoint (KServe's
   * environment variables and Secret references, as for `model.storageUri`); its path is not used.
   * E.g. `StorageUri.s3('models', '', { credentials: StorageCredentials.fromS3Secret('s3-credentials') })`.
   * @default - none: public stores, or credentials the pod gets otherwise (its ServiceAccount, `env`)
   */
  readonly storage?: StorageUri;
}

/**
 * The predictor: exactly one of `model` (a stored model served by a runtime), `multiModel`
 * (TrainedModels loaded at run time) or `container` (your own server).
 */
export interface PredictorProps extends ComponentProps {
  /**
   * A stored model, served by the runtime for its format.
   * @default - none; set this, `multiModel` or `container`
   */
  readonly model?: ModelSpec;

  /**
   * Serve TrainedModels instead of one model of its own. Needs a memory limit
   * (`resources.memory`): the controller admits TrainedModels only while their `memory` fits in it.
   * @default - none; set this, `model` or `container`
   */
  readonly multiModel?: MultiModelSpec;

  /**
   * A model server container of your own.
   * @default - none; set this, `model` or `multiModel`
   */
  readonly container?: ContainerSpec;

  /**
   * Dynamic batching (KServe's `batcher`), done by kfs-runtime in-process: `--max-batch-size` and
   * `--max-latency-ms` on the model server. Only for runtimes with kfs-runtime's flags.
   * @default - no batching
   */
  readonly batcher?: BatcherOptions;

  /**
   * CloudEvents request/response logging (KServe's `logger`), done by kfs-runtime in-process. With
   * `egress`, the sink's host is allowed. Only for runtimes with kfs-runtime's flags.
   * @default - no logging
   */
  readonly logger?: LoggerOptions;
}

/** The image KServe's storage initializer runs, for runtimes that do not pull their own model. */
export const STORAGE_INITIALIZER_IMAGE = `kserve/storage-initializer:v0.20.0`;

const MODEL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The predictor of an InferenceService: its Knative Service `<isvc>-predictor`. */
export class Predictor extends ServingComponent {
  /** The model's name in inference URLs, when the predictor serves a stored model. */
  public readonly modelName?: string;
  /** The runtime serving the model, when the predictor serves a stored model. */
  public readonly runtime?: ModelRuntime;
  /** The protocol the predictor speaks. */
  public readonly protocolVersion: ProtocolVersion;
  /** Whether it serves TrainedModels (`multiModel`) rather than one model of its own. */
  public readonly multiModel: boolean;
  /** Memory limit of the model server container, e.g. `2Gi`; multi-model serving admits TrainedModels against it. */
  public readonly memoryLimit?: string;

  /** The protocol the canary predictor speaks, while one is rolled out. @internal */
  public readonly _canaryProtocolVersion?: ProtocolVersion;

  /** @internal created by InferenceService */
  constructor(scope: Construct, id: string, props: PredictorProps, context: ComponentContext, rollout: ComponentRolloutInput) {
    const resolved = resolvePredictor(context, props);
    const canaryProps = rollout.rollout?.predictor;
    const canary = canaryProps ? resolveCanary(context, ComponentKind.PREDICTOR, ctx => resolvePredictor(ctx, canaryProps)) : undefined;
    super(scope, id, resolved.component, context.deploymentMode, resolveComponentRevisions(context, rollout, resolved.component, canary?.component));
    this.modelName = resolved.modelName;
    this.runtime = resolved.runtime;
    this.protocolVersion = resolved.protocolVersion;
    this._canaryProtocolVersion = canary?.protocolVersion;
    this.multiModel = props.multiModel !== undefined;
    this.memoryLimit = resolved.component.container.resources.limits.memory;
  }
}

interface ResolvedPredictor {
  readonly component: ResolvedComponent;
  readonly modelName?: string;
  readonly runtime?: ModelRuntime;
  readonly protocolVersion: ProtocolVersion;
}

function resolvePredictor(ctx: ComponentContext, props: PredictorProps): ResolvedPredictor {
  const kind = ComponentKind.PREDICTOR;
  const sources = [props.model, props.multiModel, props.container].filter(source => source !== undefined).length;
  if (sources !== 1) {
    const got = sources === 0 ? 'none' : [props.model && 'model', props.multiModel && 'multiModel', props.container && 'container'].filter(Boolean).join(' and ');
    throw new ValidationError(`${ctx.owner}: predictor must set exactly one of model, multiModel or container (got ${got}); use model for a stored model served by a runtime, multiModel for TrainedModels loaded at run time, or container for your own model server`);
  }
  const scaling = resolveScaling(ctx, kind, props);
  const resources = resolveResources(ctx, kind, props.resources, props.gpu);
  const serviceAccountName = resolveServiceAccountName(ctx, kind, props.serviceAccountName);
  const wiring = props.model ? resolveStorageWiring(ctx, 'predictor.model.storageUri', props.model.storageUri, serviceAccountName)
    : props.multiModel?.storage ? resolveStorageWiring(ctx, 'predictor.multiModel.storage', props.multiModel.storage, serviceAccountName) : undefined;
  // Storage variables count as library-set for the user's env even when they end up on the init container.
  const env = resolveEnv(ctx, kind, props.env, [{ name: kserve.ENV_INFERENCE_SERVICE_NAME, value: ctx.isvcName }, ...(wiring?.env ?? [])]);

  let container: ResolvedContainer;
  let initContainers: ResolvedContainer[] = [];
  let volumes: ResolvedVolume[] = [SCRATCH_VOLUME];
  let modelName: string | undefined;
  let runtime: ModelRuntime | undefined;
  let protocolVersion: ProtocolVersion;
  let metrics: ResolvedMetricsEndpoint;

  if (props.multiModel) {
    const multiModel = resolveMultiModel(ctx, props.multiModel, props, resources, env, wiring);
    return {
      runtime: multiModel.runtime,
      protocolVersion: multiModel.protocolVersion,
      component: assembleComponent(ctx, kind, props, {
        scaling, container: multiModel.container, initContainers: [], volumes: [...volumes, ...multiModel.volumes], serviceAccountName,
        metrics: { port: multiModel.runtime.metricsPort, path: multiModel.runtime.metricsPath },
      }),
    };
  }

  if (props.model) {
    const model = props.model;
    runtime = model.runtime ?? ModelRuntime.forFormat(model.format);
    if (!runtime) {
      throw propError(ctx.owner, 'predictor.model.format', model.format.toString(), 'has no default runtime', 'set predictor.model.runtime to a ModelRuntime that serves it');
    }
    if (!runtime.supports(model.format)) {
      throw propError(ctx.owner, 'predictor.model.format', model.format.toString(), `is not served by runtime '${runtime.name}' (it serves ${runtime.supportedFormats.map(f => f.toString()).join(', ')})`,
        'pick a runtime that lists the format, or leave model.runtime unset for the default');
    }
    protocolVersion = model.protocolVersion ?? runtime.protocols[0];
    if (!runtime.protocols.includes(protocolVersion)) {
      throw propError(ctx.owner, 'predictor.model.protocolVersion', protocolVersion, `is not spoken by runtime '${runtime.name}'`,
        `use one of ${runtime.protocols.join(', ')}`);
    }
    if (props.gpu && !runtime.gpuCapable) {
      throw propError(ctx.owner, 'predictor.gpu', `${props.gpu.resourceName}: ${props.gpu.count}`, `cannot be used by runtime '${runtime.name}' (format ${model.format})`,
        'remove gpu, or serve the model with a GPU-capable runtime');
    }
    modelName = model.name ?? ctx.isvcName;
    if (!MODEL_NAME.test(modelName) || modelName.length > 253) {
      throw propError(ctx.owner, 'predictor.model.name', modelName, 'is not usable in inference URLs', 'use letters, digits, "_", "." and "-", starting with a letter or digit');
    }
    const storage = resolveModelStorage(ctx, model.storageUri, runtime, wiring!);
    volumes = [...volumes, ...storage.volumes];
    initContainers = storage.initContainers;
    const { command, args: runtimeArgs } = runtime._container({ modelName, modelDir: storage.modelDir, storageUri: storage.location });
    const args = [...runtimeArgs, ...kfsRuntimeArgs(ctx, runtime, { batcher: props.batcher, logger: props.logger, gpu: props.gpu !== undefined })];
    const port = isGrpc(protocolVersion) ? runtime.grpcPort : runtime.httpPort;
    metrics = { port: runtime.metricsPort, path: runtime.metricsPath };
    container = {
      name: kserve.MODEL_CONTAINER_NAME,
      image: runtime._imageFor(props.gpu !== undefined, ctx.kfsRuntimeImage).reference,
      command,
      args,
      env: runtime.pullsOwnModel ? env : env.filter(variable => !wiring!.env.includes(variable)),
      port: resolvePort(ctx, 'predictor.model.runtime.port', port, protocolVersion),
      resources,
      readinessPath: isGrpc(protocolVersion) ? undefined : runtime.readinessPath,
      volumeMounts: [...storage.mounts, SCRATCH_MOUNT],
    };
  } else {
    const spec = props.container!;
    kfsRuntimeArgs(ctx, undefined, { batcher: props.batcher, logger: props.logger, gpu: false });
    protocolVersion = spec.protocolVersion ?? ProtocolVersion.V2;
    const port = resolvePort(ctx, 'predictor.container.port', spec.port ?? kserve.DEFAULT_HTTP_PORT, protocolVersion);
    // A custom server is assumed to serve /metrics on its port, as KServe's Python servers do.
    metrics = { port: port.containerPort, path: '/metrics' };
    container = {
      name: kserve.MODEL_CONTAINER_NAME,
      image: resolveImage(ctx, 'predictor.container.image', spec.image),
      command: spec.command,
      args: spec.args ?? [],
      env,
      port,
      resources,
      volumeMounts: [SCRATCH_MOUNT],
    };
  }

  return {
    modelName,
    runtime,
    protocolVersion,
    component: assembleComponent(ctx, kind, props, { scaling, container, initContainers, volumes, serviceAccountName, metrics }),
  };
}

interface ResolvedMultiModel {
  readonly runtime: ModelRuntime;
  readonly protocolVersion: ProtocolVersion;
  readonly container: ResolvedContainer;
  readonly volumes: ResolvedVolume[];
}

/**
 * KServe's multi-model predictor: the runtime starts with no model of its own, reads the
 * TrainedModel list the controller writes into the ConfigMap `modelconfig-<isvc>-0` (mounted at
 * /mnt/configs; optional, so a pod can start before the controller's first write) and loads every
 * model in it before it reports ready. The controller loads later changes through the v2
 * repository API, which is HTTP only: a gRPC-only runtime cannot be multi-model.
 */
function resolveMultiModel(ctx: ComponentContext, spec: MultiModelSpec, props: PredictorProps, resources: ResolvedResources, env: ResolvedEnvVar[], wiring: StorageWiring | undefined): ResolvedMultiModel {
  const runtime = spec.runtime ?? ModelRuntime.forFormat(spec.format);
  if (!runtime) {
    throw propError(ctx.owner, 'predictor.multiModel.format', spec.format.toString(), 'has no default runtime', 'set predictor.multiModel.runtime to a ModelRuntime that serves it');
  }
  if (!runtime.supports(spec.format)) {
    throw propError(ctx.owner, 'predictor.multiModel.format', spec.format.toString(), `is not served by runtime '${runtime.name}' (it serves ${runtime.supportedFormats.map(f => f.toString()).join(', ')})`,
      'pick a runtime that lists the format, or leave multiModel.runtime unset for the default');
  }
  if (!runtime.supportsMultiModel) {
    throw propError(ctx.owner, 'predictor.multiModel.runtime', runtime.name, 'cannot load models at run time',
      'use ModelRuntime.KFS_RUNTIME, or a runtime made with ModelRuntime.custom({ multiModelArgs })');
  }
  const protocolVersion = runtime.protocols[0];
  if (isGrpc(protocolVersion)) {
    throw propError(ctx.owner, 'predictor.multiModel.runtime', runtime.name, `speaks ${protocolVersion} first, but TrainedModels are loaded over the HTTP repository API`,
      'use a runtime whose first protocol is v1 or v2');
  }
  if (props.gpu && !runtime.gpuCapable) {
    throw propError(ctx.owner, 'predictor.gpu', `${props.gpu.resourceName}: ${props.gpu.count}`, `cannot be used by runtime '${runtime.name}' (format ${spec.format})`,
      'remove gpu, or serve the models with a GPU-capable runtime');
  }
  if (resources.limits.memory === undefined) {
    throw new ValidationError(`${ctx.owner}: predictor.resources.memory has no limit, but multi-model serving admits TrainedModels against it; `
      + 'give it a limit, e.g. { request: Size.gibibytes(2), limit: Size.gibibytes(4) }');
  }
  const configFile = `${kserve.MODEL_CONFIG_MOUNT_PATH}/${kserve.MODEL_CONFIG_FILE_NAME}`;
  const { command, args: runtimeArgs } = runtime._multiModelContainer(configFile);
  // Batching, logging, tracing and the GPU provider apply to every model the server loads.
  const args = [...runtimeArgs, ...kfsRuntimeArgs(ctx, runtime, { batcher: props.batcher, logger: props.logger, gpu: props.gpu !== undefined })];
  return {
    runtime,
    protocolVersion,
    container: {
      name: kserve.MODEL_CONTAINER_NAME,
      image: runtime._imageFor(props.gpu !== undefined).reference,
      command,
      args,
      env,
      port: resolvePort(ctx, 'predictor.multiModel.runtime.port', runtime.httpPort, protocolVersion),
      resources,
      readinessPath: runtime.readinessPath,
      volumeMounts: [{ name: kserve.MODEL_CONFIG_VOLUME_NAME, mountPath: kserve.MODEL_CONFIG_MOUNT_PATH, readOnly: true }, ...(wiring?.mounts ?? []), SCRATCH_MOUNT],
    },
    volumes: [{ name: kserve.MODEL_CONFIG_VOLUME_NAME, configMap: { name: kserve.modelConfigMapName(ctx.isvcName), optional: true } }, ...(wiring?.volumes ?? [])],
  };
}

interface ModelStorage {
  /** What the runtime is told to load: a URI it pulls itself, or a local path. */
  readonly location: string;
  /** Where the model is (or will be) on the container's filesystem. */
  readonly modelDir: string;
  readonly volumes: ResolvedVolume[];
  readonly mounts: ResolvedVolumeMount[];
  readonly initContainers: ResolvedContainer[];
}

/**
 * How the model gets into the pod without KServe's pod webhook:
 * - `pvc://` is mounted read-only at /mnt/models (Knative flag `kubernetes.podspec-persistent-volume-claim`);
 * - `file://` is already in the container;
 * - runtimes that pull their own model (kfs-runtime) get the URI — no init container, which Knative
 *   rejects by default;
 * - other runtimes get KServe's storage-initializer as an init container writing to an emptyDir at
 *   /mnt/models (Knative flag `kubernetes.podspec-init-containers`).
 */
function resolveModelStorage(ctx: ComponentContext, uri: StorageUri, runtime: ModelRuntime, wiring: StorageWiring): ModelStorage {
  const modelDir = kserve.MODEL_MOUNT_PATH;
  if (uri.scheme === StorageScheme.PVC) {
    warnFeatureFlag(ctx, `predictor.model.storageUri (${quote(uri.uri)}) mounts a PersistentVolumeClaim, which`, KnativeFeatureFlag.PERSISTENT_VOLUME_CLAIM);
    return {
      location: modelDir,
      modelDir,
      volumes: [{ name: 'kserve-pvc-source', persistentVolumeClaim: { claimName: uri.claimName!, readOnly: true } }],
      mounts: [{ name: 'kserve-pvc-source', mountPath: modelDir, readOnly: true, subPath: uri.path || undefined }],
      initContainers: [],
    };
  }
  if (uri.scheme === StorageScheme.FILE) {
    return { location: uri.path, modelDir: uri.path, volumes: [], mounts: [], initContainers: [] };
  }
  if (runtime.pullsOwnModel) {
    return { location: uri.uri, modelDir, volumes: wiring.volumes, mounts: wiring.mounts, initContainers: [] };
  }
  warnFeatureFlag(ctx, `predictor.model.runtime '${runtime.name}' reads its model from ${modelDir}, so the storage-initializer init container`, KnativeFeatureFlag.INIT_CONTAINERS);
  const volume = kserve.MODEL_VOLUME_NAME;
  return {
    location: modelDir,
    modelDir,
    volumes: [{ name: volume, emptyDir: {} }, ...wiring.volumes],
    mounts: [{ name: volume, mountPath: modelDir, readOnly: true }],
    initContainers: [{
      name: kserve.STORAGE_INITIALIZER_NAME,
      image: STORAGE_INITIALIZER_IMAGE,
      args: [uri.uri, modelDir],
      env: wiring.env,
      resources: { requests: { cpu: '100m', memory: '100Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      volumeMounts: [{ name: volume, mountPath: modelDir }, ...wiring.mounts, SCRATCH_MOUNT],
    }],
  };
}
