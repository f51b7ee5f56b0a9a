import { performance } from 'node:perf_hooks';
import { ErrorKind, InferenceServerError, unknownModel } from '../errors';
import { loadModel, type ModelLoader } from './load-model';
import { type Model, type ModelSource, ModelState } from './model';
import { assertValidModelName } from './model-name';
import { ModelStatistics } from './model-statistics';

/** A snapshot of one model's place in the repository; replaced, never mutated, on each change. */
export interface ModelEntry {
  readonly name: string;
  readonly uri: string;
  readonly state: ModelState;
  /** Why the model is UNAVAILABLE (the loader's error message, or `unloaded`). */
  readonly reason?: string;
  /** The loader's error, when loading failed. */
  readonly failure?: Error;
  /** The loaded model, present exactly when READY. */
  readonly model?: Model;
  /** Inference statistics since this load, present exactly when READY. */
  readonly statistics?: ModelStatistics;
  /** How long loading took, present when READY. */
  readonly loadMs?: number;
}

/**
 * Called after every state change, and for a failed reload (an UNAVAILABLE outcome that is reported
 * but not listed, since the old version keeps serving); logging and metrics subscribe here.
 */
export type ModelStateListener = (entry: ModelEntry) => void;

/** Options of {@link ModelRepository.load}. */
export interface LoadOptions {
  /**
   * Whether server readiness waits for this model. Startup models are required; models loaded
   * later through the repository API are not, so loading one never takes a serving pod out of
   * its Service while it loads.
   * @default true
   */
  readonly required?: boolean;
}

/** Reason recorded for a model unloaded on request (Triton's index says the same). */
export const UNLOADED_REASON = 'unloaded';

/**
 * The models this server knows, by name, with their lifecycle state. A model is listed from the
 * moment loading starts (LOADING), so readiness and errors can say what is still missing, and a
 * failed load stays listed as UNAVAILABLE with its reason while other models keep serving.
 */
export class ModelRepository {
  readonly #entries = new Map<string, ModelEntry>();
  readonly #required = new Set<string>();
  readonly #listeners = new Set<ModelStateListener>();
  /** The latest load of each name; an older load that settles after a newer one started is dropped. */
  readonly #latestLoad = new Map<string, symbol>();

  /** @param loader how models are loaded; the ONNX loader unless a test or another format swaps it. */
  constructor(private readonly loader: ModelLoader = loadModel) {}

  /** The entry for `name`, or undefined when no model of that name was ever loaded. */
  get(name: string): ModelEntry | undefined {
    return this.#entries.get(name);
  }

  /** Every entry, in the order models were first added. */
  list(): ModelEntry[] {
    return [...this.#entries.values()];
  }

  /** True when every listed model is READY (vacuously true when none is listed). */
  allReady(): boolean {
    return this.list().every((entry) => entry.state === ModelState.READY);
  }

  /** Entries server readiness waits for that are not READY (startup models, unless unloaded since). */
  requiredNotReady(): ModelEntry[] {
    return this.list().filter((entry) => this.#required.has(entry.name) && entry.state !== ModelState.READY);
  }

  /**
   * Readiness stops waiting for `name` (it stays listed). A multi-model server uses this for a model
   * that failed to load: one broken TrainedModel must not keep every new replica out of service.
   */
  stopRequiring(name: string): void {
    this.#required.delete(name);
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onStateChange(listener: ModelStateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Loads (or reloads) a model and resolves with the outcome of this load, READY or UNAVAILABLE: a
   * failing model is a state, not an exception, so one bad model never stops the others.
   *
   * A first load lists the model as LOADING until it settles. A reload of a READY model keeps the
   * serving version READY while the new one loads, then swaps in one step: requests already running
   * finish on the old session (released once they are done), new ones go to the new session. If the
   * reload fails, the old version keeps serving (Triton's rule) and the UNAVAILABLE outcome is only
   * returned, not listed.
   *
   * @throws Error only for an invalid model name.
   */
  async load(name: string, uri: string, options: LoadOptions = {}): Promise<ModelEntry> {
    assertValidModelName(name);
    if (options.required ?? true) this.#required.add(name);
    const token = Symbol(name);
    this.#latestLoad.set(name, token);
    const previous = this.#entries.get(name);
    const serving = previous?.state === ModelState.READY ? previous : undefined;
    if (serving === undefined) this.#set({ name, uri, state: ModelState.LOADING });
    const expected = this.#entries.get(name);
    // Superseded by a newer load, or by an unload that removed or replaced the entry meanwhile;
    // whoever superseded us owns the previous engine.
    const superseded = () => this.#latestLoad.get(name) !== token || this.#entries.get(name) !== expected;
    const started = performance.now();
    let settled: ModelEntry;
    try {
      const model = await this.loader(name, uri);
      if (superseded()) {
        await model.unload();
        return this.#entries.get(name) ?? { name, uri, state: ModelState.UNAVAILABLE, reason: UNLOADED_REASON };
      }
      settled = { name, uri, state: ModelState.READY, model, statistics: new ModelStatistics(), loadMs: performance.now() - started };
    } catch (error) {
      const failed: ModelEntry = { name, uri, state: ModelState.UNAVAILABLE, reason: (error as Error).message, failure: error as Error };
      if (superseded()) return this.#entries.get(name) ?? failed;
      if (serving !== undefined) {
        this.#latestLoad.delete(name);
        this.#notify(failed);
        return failed;
      }
      settled = failed;
    }
    this.#latestLoad.delete(name);
    this.#set(settled);
    await previous?.model?.unload();
    return settled;
  }

  /** Loads several models concurrently; resolves when all have settled. */
  async loadAll(sources: readonly ModelSource[]): Promise<ModelEntry[]> {
    return Promise.all(sources.map((source) => this.load(source.name, source.uri)));
  }

  /**
   * Unloads a model: it stays listed as UNAVAILABLE (`unloaded`), new requests for it are refused
   * at once, and its engine is released after the inferences already running on it finish.
   * A load still in flight is abandoned.
   *
   * @throws InferenceServerError NOT_FOUND for a name the repository does not list.
   */
  async unload(name: string): Promise<ModelEntry> {
    const current = this.#entries.get(name);
    if (current === undefined) throw unknownModel(name);
    this.#required.delete(name);
    const unloaded: ModelEntry = { name, uri: current.uri, state: ModelState.UNAVAILABLE, reason: UNLOADED_REASON };
    this.#set(unloaded);
    await current.model?.unload();
    return unloaded;
  }

  /**
   * Forgets an entry that is not READY (a failed load of a name that was never served), so a
   * stream of bad load requests cannot grow the index without bound.
   */
  forget(name: string): void {
    const entry = this.#entries.get(name);
    if (entry === undefined) return;
    if (entry.state === ModelState.READY) {
      throw new InferenceServerError(ErrorKind.INTERNAL, `model '${name}' is READY; unload it before forgetting it`);
    }
    this.#entries.delete(name);
    this.#required.delete(name);
  }

  /** Releases every loaded model and forgets all entries (server shutdown). */
  async unloadAll(): Promise<void> {
    const models = this.list().flatMap((entry) => (entry.model === undefined ? [] : [entry.model]));
    this.#entries.clear();
    this.#required.clear();
    await Promise.all(models.map((model) => model.unload()));
  }

  #set(entry: ModelEntry): void {
    this.#entries.set(entry.name, entry);
    this.#notify(entry);
  }

  #notify(entry: ModelEntry): void {
    for (const listener of this.#listeners) listener(entry);
  }
}
