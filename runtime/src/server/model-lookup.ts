import { ErrorKind, InferenceServerError, unknownModel } from '../errors';
import { type Model, ModelState } from '../models/model';
import type { ModelEntry, ModelRepository } from '../models/model-repository';
import type { ModelStatistics } from '../models/model-statistics';

/** Path parameters of every `/v2/models/{model}[/versions/{version}]/…` route (and gRPC's name/version). */
export interface ModelRouteParams {
  readonly model: string;
  /** Absent or empty means "the version the server picks" (gRPC sends an empty string). */
  readonly version?: string;
}

/** A model that can serve, with the statistics its inferences are recorded in. */
export interface ReadyModel {
  readonly model: Model;
  readonly statistics: ModelStatistics;
}

/**
 * The repository entry a model route refers to.
 *
 * @throws InferenceServerError NOT_FOUND for an unknown name, or a version the ready model does not have.
 */
export function findModelEntry(repository: ModelRepository, params: ModelRouteParams): ModelEntry {
  const version = params.version === '' ? undefined : params.version;
  const entry = repository.get(params.model);
  if (entry === undefined) throw unknownModel(params.model, version);
  if (version !== undefined && entry.model !== undefined && entry.model.version !== version) {
    throw unknownModel(params.model, version);
  }
  return entry;
}

/**
 * The model a route refers to, if it can serve.
 *
 * @throws InferenceServerError NOT_FOUND as `findModelEntry`, UNAVAILABLE while loading or after a failed load.
 */
export function findReadyModel(repository: ModelRepository, params: ModelRouteParams): ReadyModel {
  const entry = findModelEntry(repository, params);
  if (entry.state !== ModelState.READY || entry.model === undefined || entry.statistics === undefined) {
    throw modelNotReady(entry);
  }
  return { model: entry.model, statistics: entry.statistics };
}

/** The 503 error for a listed model that cannot serve, carrying the load failure's reason. */
export function modelNotReady(entry: ModelEntry): InferenceServerError {
  const reason = entry.reason === undefined ? '' : `: ${entry.reason}`;
  return new InferenceServerError(ErrorKind.UNAVAILABLE, `model '${entry.name}' is not ready (${entry.state})${reason}`);
}

/** Registers the same handler on the unversioned and the versioned form of a model path. */
export function modelPaths(suffix: string): string[] {
  return [`/v2/models/:model${suffix}`, `/v2/models/:model/versions/:version${suffix}`];
}
