import { redactUri } from '../models/storage/model-uri';
import { Backoff } from './backoff';
import type { InferenceServiceConfig } from './controller-config';
import { type DesiredModel, type DesiredState, computeDesiredState, renderModelConfig } from './desired-state';
import type { PodObject, TrainedModelObject, TrainedModelStatus } from './kube-objects';
import type { Logger } from './logger';
import { type ReplicaModelObservation, desiredStatus, sameStatus } from './model-status';
import { type ReplicaModel, isFrom, planReplica } from './replica-plan';
import { type Replica, replicasOf } from './replicas';
import { ReplicaRequestError, ReplicaUnreachableError } from './repository-client';

/** The v2 repository calls the reconciler makes on a replica (RepositoryClient, or a test double). */
export interface ReplicaRepository {
  index(): Promise<ReplicaModel[]>;
  load(name: string, storageUri: string): Promise<void>;
  unload(name: string): Promise<void>;
}

/** Everything the reconciler reads and writes, so it can be driven without a cluster. */
export interface ReconcilerDeps {
  readonly inferenceService: (namespace: string, name: string) => InferenceServiceConfig | undefined;
  /** TrainedModels of one namespace, from the informer cache. */
  readonly trainedModels: (namespace: string) => readonly TrainedModelObject[];
  /** Predictor pods of one InferenceService, from the informer cache. */
  readonly predictorPods: (namespace: string, isvcName: string) => readonly PodObject[];
  readonly writeModelConfig: (isvc: InferenceServiceConfig, modelsJson: string) => Promise<void>;
  readonly writeStatus: (tm: TrainedModelObject, status: TrainedModelStatus) => Promise<void>;
  readonly repository: (replica: Replica) => ReplicaRepository;
  readonly isLeader: () => boolean;
  /** Asks for another reconcile of `key` (when a background load finishes). */
  readonly requeue: (key: string) => void;
  readonly log: Logger;
  /** Most loads in flight per replica. @default 4 */
  readonly loadsPerReplica?: number;
  readonly now?: () => number;
}

/** What a reconcile asks of the queue. */
export interface ReconcileOutcome {
  /** Reconcile again after this long (undefined: only on the next event or resync). */
  readonly requeueAfterMs?: number;
  /** Every admitted model is READY on every ready replica, and statuses are written. */
  readonly converged: boolean;
}

interface LoadFailure {
  readonly storageUri: string;
  readonly reason: string;
  readonly retryAt: number;
  readonly backoff: Backoff;
}

interface ReplicaOutcome {
  readonly replica: Replica;
  /** Undefined when the replica could not be asked. */
  readonly rows?: readonly ReplicaModel[];
  readonly unreachable?: string;
  /** Something is still on its way (loading, in flight, waiting for a retry). */
  readonly pending: boolean;
  /** Earliest time a failed load may be retried. */
  readonly retryAt?: number;
}

/**
 * Reconciles one InferenceService: desired models (from its TrainedModels) → its model-config
 * ConfigMap → each replica's repository (unload what is not desired, load what is missing, failed or
 * from an old storage URI) → each TrainedModel's status. Level-triggered: every run starts from the
 * caches and what the replicas report now, so a missed event, a restarted controller or a restarted
 * replica all converge the same way, and nothing is unloaded that a TrainedModel still wants.
 *
 * Loads run in the background (a download can take minutes): the reconcile records them as in
 * flight, returns, and the end of each load queues the InferenceService again, so a deletion or
 * another change is never stuck behind a slow download.
 */
export class Reconciler {
  /** `<isvc key>|<replica url>|<model>` → the storage URI being loaded. */
  readonly #inFlight = new Map<string, string>();
  readonly #failures = new Map<string, LoadFailure>();
  readonly #writtenModelConfig = new Map<string, { json: string; at: number }>();
  /** What we last wrote per TrainedModel, and the resourceVersion the cache had then. */
  readonly #writtenStatus = new Map<string, { status: string; resourceVersion: string | undefined }>();
  readonly #retryBackoff = new Map<string, Backoff>();
  readonly #now: () => number;

  constructor(private readonly deps: ReconcilerDeps) {
    this.#now = deps.now ?? Date.now;
  }

  /** Loads this controller started that have not finished (all replicas). */
  get loadsInFlight(): number {
    return this.#inFlight.size;
  }

  async reconcile(key: string): Promise<ReconcileOutcome> {
    const [namespace, name] = splitKey(key);
    const trainedModels = this.deps.trainedModels(namespace).filter((tm) => tm.spec?.inferenceService === name);
    const isvc = this.deps.inferenceService(namespace, name);
    if (isvc === undefined) {
      // Not ours to serve; say so on each TrainedModel that points at it.
      for (const tm of trainedModels) {
        if (!this.deps.isLeader()) return { converged: false };
        await this.#writeStatus(tm, desiredStatus(tm, { isvc: undefined, inferenceServiceName: name, admission: undefined, observations: [], readyReplicas: 0 }, new Date(this.#now())));
      }
      return { converged: true };
    }
    if (!this.deps.isLeader()) return { converged: false };

    const desired = computeDesiredState(isvc, trainedModels);
    let apiTrouble = false;
    try {
      await this.#writeModelConfig(key, isvc, renderModelConfig(desired.models));
    } catch (error) {
      // Loading into running replicas goes on: they do not read the ConfigMap after start.
      apiTrouble = true;
      this.deps.log.warn('could not write the model config', { inferenceService: key, configMap: isvc.modelConfigMap, error: (error as Error).message });
    }

    const replicas = replicasOf(this.deps.predictorPods(namespace, name));
    const outcomes = await Promise.all(replicas.map((replica) => this.#syncReplica(key, replica, desired.models)));
    this.#forgetGone(key, replicas, desired);

    const readyReplicas = replicas.filter((replica) => replica.ready).length;
    for (const tm of trainedModels) {
      if (tm.metadata.deletionTimestamp !== undefined) continue;
      if (!this.deps.isLeader()) return { converged: false };
      const admission = desired.admissions.get(tm.metadata.name);
      const model = desired.models.find((m) => m.name === tm.metadata.name);
      const observations = model === undefined ? [] : outcomes.map((outcome) => this.#observe(key, outcome, model));
      try {
        await this.#writeStatus(tm, desiredStatus(tm, { isvc, inferenceServiceName: name, admission, observations, readyReplicas }, new Date(this.#now())));
      } catch (error) {
        apiTrouble = true;
        this.deps.log.warn('could not write TrainedModel status', { trainedModel: `${namespace}/${tm.metadata.name}`, error: (error as Error).message });
      }
    }

    this.#forgetDeletedStatuses(namespace);
    const pending = outcomes.some((o) => o.pending) || outcomes.some((o) => o.unreachable !== undefined);
    if (!pending && !apiTrouble) {
      this.#retryBackoff.delete(key);
      return { converged: true };
    }
    const backoff = this.#retryBackoff.get(key) ?? new Backoff(500, 30_000);
    this.#retryBackoff.set(key, backoff);
    const retryAt = Math.min(...outcomes.map((o) => o.retryAt ?? Infinity));
    const delay = Math.min(backoff.next(), Number.isFinite(retryAt) ? Math.max(retryAt - this.#now(), 0) + 10 : Infinity);
    return { converged: false, requeueAfterMs: delay };
  }

  async #syncReplica(key: string, replica: Replica, desired: readonly DesiredModel[]): Promise<ReplicaOutcome> {
    const repository = this.deps.repository(replica);
    let rows: ReplicaModel[];
    try {
      rows = await repository.index();
    } catch (error) {
      return { replica, unreachable: (error as Error).message, pending: true };
    }
    const plan = planReplica(desired, rows);
    let unreachable: string | undefined;
    // Unloads first: they free the memory the loads need.
    await Promise.all(plan.unloads.map(async (model) => {
      if (!this.deps.isLeader()) return;
      try {
        await repository.unload(model);
        this.deps.log.info('unloaded model', { inferenceService: key, replica: replica.name, model });
      } catch (error) {
        if (error instanceof ReplicaUnreachableError) unreachable = error.message;
        else this.deps.log.warn('unload failed', { inferenceService: key, replica: replica.name, model, error: (error as Error).message });
      }
    }));

    let pending = plan.loading.length > 0 || plan.unloads.length > 0;
    let retryAt: number | undefined;
    const limit = this.deps.loadsPerReplica ?? 4;
    for (const model of plan.loads) {
      const flightKey = `${key}|${replica.url}|${model.name}`;
      pending = true;
      if (this.#inFlight.get(flightKey) === model.storageUri) continue;
      const failure = this.#failures.get(flightKey);
      if (failure !== undefined && failure.storageUri === model.storageUri && failure.retryAt > this.#now()) {
        retryAt = Math.min(retryAt ?? Infinity, failure.retryAt);
        continue;
      }
      if (this.#inFlightOn(replica) >= limit) continue;
      if (!this.deps.isLeader()) break;
      this.#startLoad(key, replica, repository, model, flightKey);
    }
    return { replica, rows, pending, ...(unreachable === undefined ? {} : { unreachable }), ...(retryAt === undefined ? {} : { retryAt }) };
  }

  #startLoad(key: string, replica: Replica, repository: ReplicaRepository, model: DesiredModel, flightKey: string): void {
    this.#inFlight.set(flightKey, model.storageUri);
    const started = this.#now();
    this.deps.log.info('loading model', { inferenceService: key, replica: replica.name, model: model.name, storageUri: redactUri(model.storageUri) });
    repository.load(model.name, model.storageUri).then(
      () => {
        this.#failures.delete(flightKey);
        this.deps.log.info('loaded model', { inferenceService: key, replica: replica.name, model: model.name, storageUri: redactUri(model.storageUri), ms: this.#now() - started });
      },
      (error: unknown) => {
        if (error instanceof ReplicaRequestError) {
          const previous = this.#failures.get(flightKey);
          const backoff = previous?.storageUri === model.storageUri ? previous.backoff : new Backoff(1000, 5 * 60_000);
          const delay = backoff.next();
          this.#failures.set(flightKey, { storageUri: model.storageUri, reason: error.message, retryAt: this.#now() + delay, backoff });
          this.deps.log.warn('load failed', { inferenceService: key, replica: replica.name, model: model.name, error: error.message, retryInMs: delay });
        } else {
          // Unreachable mid-load (the pod went away or restarted): the next reconcile sees what is left.
          this.deps.log.warn('replica unreachable while loading', { inferenceService: key, replica: replica.name, model: model.name, error: (error as Error).message });
        }
      },
    ).finally(() => {
      if (this.#inFlight.get(flightKey) === model.storageUri) this.#inFlight.delete(flightKey);
      this.deps.requeue(key);
    });
  }

  #inFlightOn(replica: Replica): number {
    let count = 0;
    for (const flightKey of this.#inFlight.keys()) if (flightKey.includes(`|${replica.url}|`)) count++;
    return count;
  }

  #observe(key: string, outcome: ReplicaOutcome, model: DesiredModel): ReplicaModelObservation {
    const base = { replica: outcome.replica.name, ready: outcome.replica.ready };
    if (outcome.rows === undefined) return { ...base, loaded: false, unreachable: true };
    const row = outcome.rows.find((r) => r.name === model.name);
    const loaded = row?.state === 'READY' && isFrom(row, model.storageUri);
    if (loaded) return { ...base, loaded };
    const failure = this.#failures.get(`${key}|${outcome.replica.url}|${model.name}`);
    if (failure !== undefined && failure.storageUri === model.storageUri) return { ...base, loaded, failure: failure.reason };
    if (row?.state === 'UNAVAILABLE' && isFrom(row, model.storageUri) && row.reason !== '') return { ...base, loaded, failure: row.reason };
    return { ...base, loaded };
  }

  /**
   * The controller cannot read the ConfigMap (RBAC: patch only), so it re-applies the same content
   * now and then: a hand edit is repaired within a minute, and applying unchanged content is free.
   */
  async #writeModelConfig(key: string, isvc: InferenceServiceConfig, modelsJson: string): Promise<void> {
    const written = this.#writtenModelConfig.get(key);
    if (written?.json === modelsJson && this.#now() - written.at < MODEL_CONFIG_REAPPLY_MS) return;
    await this.deps.writeModelConfig(isvc, modelsJson);
    this.#writtenModelConfig.set(key, { json: modelsJson, at: this.#now() });
  }

  async #writeStatus(tm: TrainedModelObject, status: TrainedModelStatus): Promise<void> {
    if (sameStatus(tm.status, status)) return;
    const id = `${tm.metadata.namespace}/${tm.metadata.name}/${tm.metadata.uid ?? ''}`;
    const written = JSON.stringify([status.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), status.url, status.observedGeneration]);
    // Until the cache shows our last write (a new resourceVersion), it still holds the old status: do
    // not write the same thing again. Once it moves on, what it holds is the truth to compare with.
    const last = this.#writtenStatus.get(id);
    if (last?.status === written && last.resourceVersion === tm.metadata.resourceVersion) return;
    await this.deps.writeStatus(tm, status);
    this.#writtenStatus.set(id, { status: written, resourceVersion: tm.metadata.resourceVersion });
  }

  #forgetDeletedStatuses(namespace: string): void {
    const existing = new Set(this.deps.trainedModels(namespace).map((tm) => `${namespace}/${tm.metadata.name}/${tm.metadata.uid ?? ''}`));
    for (const id of this.#writtenStatus.keys()) if (id.startsWith(`${namespace}/`) && !existing.has(id)) this.#writtenStatus.delete(id);
  }

  /** Drops retry state of this InferenceService's replicas and models that no longer exist. */
  #forgetGone(key: string, replicas: readonly Replica[], desired: DesiredState): void {
    const urls = new Set(replicas.map((r) => r.url));
    const models = new Set(desired.models.map((m) => m.name));
    for (const flightKey of this.#failures.keys()) {
      const [owner, url, model] = flightKey.split('|');
      if (owner === key && (!urls.has(url) || !models.has(model))) this.#failures.delete(flightKey);
    }
  }
}

/** How long an applied model config is trusted before it is applied again (see #writeModelConfig). */
const MODEL_CONFIG_REAPPLY_MS = 60_000;

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}
