import type { InferenceServiceConfig } from './controller-config';
import { type Admission, AdmissionVerdict } from './desired-state';
import type { Condition, TrainedModelObject, TrainedModelStatus } from './kube-objects';

/** KServe's TrainedModel condition types (`pkg/apis/serving/v1alpha1/trained_model_status.go`), plus ModelLoaded. */
export enum ConditionType {
  /** KServe v0.6-v0.10: the predictor's runtime serves the model's framework. */
  FRAMEWORK_SUPPORTED = 'FrameworkSupported',
  /** The InferenceService is served by this controller and has at least one ready predictor replica. */
  INFERENCE_SERVICE_READY = 'InferenceServiceReady',
  IS_MMS_PREDICTOR = 'IsMMSPredictor',
  /** The model's memory fits in the predictor's memory limit next to the models already admitted. */
  MEMORY_RESOURCE_AVAILABLE = 'MemoryResourceAvailable',
  /** Ours: every ready predictor replica reports the model READY, loaded from the current storageUri. */
  MODEL_LOADED = 'ModelLoaded',
  READY = 'Ready',
}

/** What one replica reported about one model in this reconcile. */
export interface ReplicaModelObservation {
  readonly replica: string;
  readonly ready: boolean;
  /** READY from the desired storage URI. */
  readonly loaded: boolean;
  /** Why the last load failed, when it did. */
  readonly failure?: string;
  /** The replica could not be asked (unreachable, timed out). */
  readonly unreachable?: boolean;
}

export interface StatusInput {
  /** Undefined when the TrainedModel names an InferenceService this controller does not serve. */
  readonly isvc: InferenceServiceConfig | undefined;
  readonly inferenceServiceName: string;
  readonly admission: Admission | undefined;
  /** Per replica, for this model (empty when not admitted). */
  readonly observations: readonly ReplicaModelObservation[];
  readonly readyReplicas: number;
}

const ORDER = [
  ConditionType.FRAMEWORK_SUPPORTED,
  ConditionType.INFERENCE_SERVICE_READY,
  ConditionType.IS_MMS_PREDICTOR,
  ConditionType.MEMORY_RESOURCE_AVAILABLE,
  ConditionType.MODEL_LOADED,
  ConditionType.READY,
];

type NewCondition = Omit<Condition, 'lastTransitionTime'>;

/**
 * The status a TrainedModel should have, from what the controller decided and what the replicas
 * reported. Pure; `lastTransitionTime` is carried over from `current` while a condition's status does
 * not change, so an unchanged model yields an identical status (and no write).
 */
export function desiredStatus(tm: TrainedModelObject, input: StatusInput, now: Date): TrainedModelStatus {
  const conditions = computeConditions(input);
  const previous = new Map((tm.status?.conditions ?? []).map((c) => [c.type, c]));
  const stamped: Condition[] = ORDER.map((type) => {
    const condition = conditions.get(type)!;
    const before = previous.get(type);
    const lastTransitionTime = before !== undefined && before.status === condition.status && before.lastTransitionTime ? before.lastTransitionTime : now.toISOString();
    return { ...condition, lastTransitionTime };
  });
  const path = `/v2/models/${tm.metadata.name}/infer`;
  return {
    ...(input.isvc === undefined ? {} : { url: `${input.isvc.url}${path}`, address: { url: `${input.isvc.clusterLocalUrl}${path}` } }),
    conditions: stamped,
    ...(tm.metadata.generation === undefined ? {} : { observedGeneration: tm.metadata.generation }),
  };
}

/** True when both statuses say the same, ignoring when conditions last changed. */
export function sameStatus(a: TrainedModelStatus | undefined, b: TrainedModelStatus): boolean {
  const strip = (status: TrainedModelStatus | undefined) =>
    JSON.stringify({
      url: status?.url,
      address: status?.address?.url,
      observedGeneration: status?.observedGeneration,
      conditions: (status?.conditions ?? []).map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '']),
    });
  return strip(a) === strip(b);
}

function computeConditions(input: StatusInput): Map<ConditionType, NewCondition> {
  const conditions = new Map<ConditionType, NewCondition>();
  const set = (type: ConditionType, status: Condition['status'], reason?: string, message?: string) =>
    conditions.set(type, { type, status, ...(reason === undefined ? {} : { reason }), ...(message === undefined ? {} : { message }) });

  if (input.isvc === undefined) {
    const message = `InferenceService '${input.inferenceServiceName}' is not a multi-model InferenceService served by this controller`;
    set(ConditionType.INFERENCE_SERVICE_READY, 'False', 'InferenceServiceNotFound', message);
    for (const type of [ConditionType.FRAMEWORK_SUPPORTED, ConditionType.IS_MMS_PREDICTOR, ConditionType.MEMORY_RESOURCE_AVAILABLE, ConditionType.MODEL_LOADED]) {
      set(type, 'Unknown', 'InferenceServiceNotFound', message);
    }
    set(ConditionType.READY, 'False', 'InferenceServiceNotFound', message);
    return conditions;
  }

  set(ConditionType.IS_MMS_PREDICTOR, 'True');
  if (input.readyReplicas > 0) set(ConditionType.INFERENCE_SERVICE_READY, 'True');
  else set(ConditionType.INFERENCE_SERVICE_READY, 'False', 'InferenceServiceNotReady', `InferenceService '${input.isvc.name}' has no ready predictor replica`);

  const admission = input.admission;
  const verdict = admission?.verdict;
  if (verdict === AdmissionVerdict.INVALID_SPEC) {
    set(ConditionType.FRAMEWORK_SUPPORTED, 'Unknown', 'InvalidSpec', admission!.message);
    set(ConditionType.MEMORY_RESOURCE_AVAILABLE, 'Unknown', 'InvalidSpec', admission!.message);
  } else if (verdict === AdmissionVerdict.FRAMEWORK_NOT_SUPPORTED) {
    set(ConditionType.FRAMEWORK_SUPPORTED, 'False', 'FrameworkNotSupported', admission!.message);
    // An unsupported model takes no memory, so whether it would fit is not decided.
    set(ConditionType.MEMORY_RESOURCE_AVAILABLE, 'Unknown', 'FrameworkNotSupported', 'not checked: the framework is not supported');
  } else if (verdict === AdmissionVerdict.MEMORY_NOT_AVAILABLE) {
    set(ConditionType.FRAMEWORK_SUPPORTED, 'True');
    set(ConditionType.MEMORY_RESOURCE_AVAILABLE, 'False', 'MemoryResourceNotAvailable', admission!.message);
  } else {
    set(ConditionType.FRAMEWORK_SUPPORTED, 'True');
    set(ConditionType.MEMORY_RESOURCE_AVAILABLE, 'True');
  }

  if (verdict !== AdmissionVerdict.ADMITTED) {
    set(ConditionType.MODEL_LOADED, 'False', 'NotAdmitted', 'not loaded: the model was not admitted (see the other conditions)');
  } else {
    const ready = input.observations.filter((o) => o.ready);
    const loaded = ready.filter((o) => o.loaded);
    const failed = ready.filter((o) => !o.loaded && o.failure !== undefined);
    if (ready.length === 0) {
      set(ConditionType.MODEL_LOADED, 'False', 'NoReadyReplicas', 'no ready predictor replica to load the model into');
    } else if (loaded.length === ready.length) {
      set(ConditionType.MODEL_LOADED, 'True', 'Loaded', `loaded on ${loaded.length} of ${ready.length} ready replicas`);
    } else if (failed.length > 0) {
      set(ConditionType.MODEL_LOADED, 'False', 'ModelLoadFailed',
        `loaded on ${loaded.length} of ${ready.length} ready replicas; failed on ${failed.map((o) => `${o.replica}: ${o.failure}`).join('; ')}`);
    } else {
      set(ConditionType.MODEL_LOADED, 'False', 'Loading', `loaded on ${loaded.length} of ${ready.length} ready replicas`);
    }
  }

  const blocking = ORDER.filter((type) => type !== ConditionType.READY).map((type) => conditions.get(type)!).find((c) => c.status !== 'True');
  if (blocking === undefined) set(ConditionType.READY, 'True');
  else set(ConditionType.READY, 'False', blocking.reason ?? blocking.type, blocking.message);
  return conditions;
}
