import type { InferenceServiceConfig } from './controller-config';
import type { TrainedModelObject } from './kube-objects';
import { formatMemoryQuantity, parseMemoryQuantity } from './quantity';

/** A model every replica of an InferenceService should serve. */
export interface DesiredModel {
  readonly name: string;
  readonly storageUri: string;
  readonly framework: string;
  /** As written in the TrainedModel, e.g. `256Mi`. */
  readonly memory: string;
}

/** Why a TrainedModel is (not) among the desired models. */
export enum AdmissionVerdict {
  ADMITTED = 'Admitted',
  /** Missing or malformed spec fields (possible with KServe's CRD, which has no patterns). */
  INVALID_SPEC = 'InvalidSpec',
  FRAMEWORK_NOT_SUPPORTED = 'FrameworkNotSupported',
  MEMORY_NOT_AVAILABLE = 'MemoryResourceNotAvailable',
}

export interface Admission {
  readonly verdict: AdmissionVerdict;
  /** Says why, for the status condition. */
  readonly message: string;
}

export interface DesiredState {
  /** Admitted models, sorted by name (the order of the model config, so it is stable). */
  readonly models: readonly DesiredModel[];
  /** Verdict per TrainedModel name. */
  readonly admissions: ReadonlyMap<string, Admission>;
}

/**
 * The models an InferenceService should serve, computed from its TrainedModels on every reconcile
 * (level-triggered: a restarted controller decides the same).
 *
 * Admission follows KServe's `MemoryResourceAvailable` rule: the memory of admitted models must fit
 * in the predictor's memory limit. KServe records an admission with a label; here the record is the
 * TrainedModel's own status (`MemoryResourceAvailable=True`, written by this controller), so models
 * admitted earlier keep their memory, and a waiting model gets in only when it fits next to them:
 * deleting one model never evicts another. Among the rest, creation order (then name) decides, so the
 * model that waited longest goes first. A model whose framework the runtime does not serve takes no
 * memory.
 */
export function computeDesiredState(isvc: InferenceServiceConfig, trainedModels: readonly TrainedModelObject[]): DesiredState {
  const admissions = new Map<string, Admission>();
  const models: DesiredModel[] = [];
  const inUse: { name: string; memory: string }[] = [];
  let usedBytes = 0;
  const live = [...trainedModels].filter((tm) => tm.metadata.deletionTimestamp === undefined).sort(byCreation);
  const ordered = [...live.filter(wasAdmitted), ...live.filter((tm) => !wasAdmitted(tm))];
  for (const tm of ordered) {
    const name = tm.metadata.name;
    const spec = tm.spec?.model;
    const storageUri = spec?.storageUri;
    const framework = spec?.framework;
    const rawMemory = spec?.memory;
    if (!storageUri || !framework || rawMemory === undefined || rawMemory === '') {
      admissions.set(name, { verdict: AdmissionVerdict.INVALID_SPEC, message: 'spec.model needs storageUri, framework and memory' });
      continue;
    }
    let bytes: number;
    try {
      bytes = parseMemoryQuantity(rawMemory);
    } catch (error) {
      admissions.set(name, { verdict: AdmissionVerdict.INVALID_SPEC, message: `spec.model.${(error as Error).message}` });
      continue;
    }
    if (!isvc.frameworks.includes(framework.toLowerCase())) {
      admissions.set(name, {
        verdict: AdmissionVerdict.FRAMEWORK_NOT_SUPPORTED,
        message: `framework '${framework}' is not served by InferenceService '${isvc.name}' (it serves ${isvc.frameworks.join(', ')})`,
      });
      continue;
    }
    if (usedBytes + bytes > isvc.memoryLimitBytes) {
      admissions.set(name, {
        verdict: AdmissionVerdict.MEMORY_NOT_AVAILABLE,
        message: `needs ${String(rawMemory)}, but only ${formatMemoryQuantity(isvc.memoryLimitBytes - usedBytes)} of the predictor's ${isvc.memoryLimit} memory limit is free`
          + (inUse.length === 0 ? '' : ` (in use: ${inUse.map((m) => `${m.name} ${m.memory}`).join(', ')})`),
      });
      continue;
    }
    usedBytes += bytes;
    inUse.push({ name, memory: String(rawMemory) });
    admissions.set(name, { verdict: AdmissionVerdict.ADMITTED, message: `admitted: ${formatMemoryQuantity(usedBytes)} of ${isvc.memoryLimit} in use` });
    models.push({ name, storageUri, framework, memory: String(rawMemory) });
  }
  models.sort((a, b) => compareStrings(a.name, b.name));
  return { models, admissions };
}

/** This controller admitted it before (its status says so); memory is immutable, so that still holds. */
function wasAdmitted(tm: TrainedModelObject): boolean {
  return tm.status?.conditions?.some((c) => c.type === 'MemoryResourceAvailable' && c.status === 'True') ?? false;
}

/**
 * The `models.json` KServe's agent reads (`pkg/modelconfig/configmap.go`): a JSON array of
 * `{modelName, modelSpec: {storageUri, framework, memory}}`, here sorted by name so the same models
 * always give the same bytes (and server-side apply of an unchanged ConfigMap changes nothing).
 */
export function renderModelConfig(models: readonly DesiredModel[]): string {
  return JSON.stringify(models.map((m) => ({ modelName: m.name, modelSpec: { storageUri: m.storageUri, framework: m.framework, memory: m.memory } })));
}

function byCreation(a: TrainedModelObject, b: TrainedModelObject): number {
  const time = (tm: TrainedModelObject) => (tm.metadata.creationTimestamp === undefined ? 0 : new Date(tm.metadata.creationTimestamp).getTime());
  return time(a) - time(b) || compareStrings(a.metadata.name, b.metadata.name);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
