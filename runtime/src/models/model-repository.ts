import { performance } from 'node:perf_hooks';
import { loadModel, type ModelLoader } from './load-model';
import { type Model, type ModelSource, ModelState } from './model';
import { assertValidModelName } from './model-name';

/** A snapshot of one model's place in the repository; replaced, never mutated, on each change. */
export interface ModelEntry {
  readonly name: string;
  readonly uri: string;
  readonly state: ModelState;
  /** Why the model is UNAVAILABLE (the loader's error message). */
  readonly reason?: string;
  /** The loaded model, present exactly when READY. */
  readonly model?: Model;
  /** How long loading took, present when READY. */
  readonly loadMs?: number;
}

/** Called after every state change; logging and metrics subscribe here instead of living in the repository. */
export type ModelStateListener = (entry: ModelEntry) => void;

/**
 * The models this server knows, by name, with their lifecycle state. A model is listed from the
 * moment loading starts (LOADING), so readiness and errors can say what is still missing, and a
 * failed load stays listed as UNAVAILABLE with its reason while other models keep serving.
 */
export class ModelRepository {
  readonly #entries = new Map<string, ModelEntry>();
  readonly #listeners = new Set<ModelStateListener>();

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

  /** Subscribes to state changes; returns the unsubscribe function. */
  onStateChange(listener: ModelStateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Loads (or reloads) a model. Resolves with the settled entry, READY or UNAVAILABLE: a failing
   * model is a state, not an exception, so one bad model never stops the others.
   *
   * @throws Error only for an invalid model name.
   */
  async load(name: string, uri: string): Promise<ModelEntry> {
    assertValidModelName(name);
    const loading: ModelEntry = { name, uri, state: ModelState.LOADING };
    const previous = this.#entries.get(name);
    this.#set(loading);
    const started = performance.now();
    let settled: ModelEntry;
    try {
      const model = await this.loader(name, uri);
      if (this.#entries.get(name) !== loading) {
        // A newer load or unload of this name superseded us; drop what we built.
        await model.unload();
        return this.#entries.get(name) ?? loading;
      }
      settled = { name, uri, state: ModelState.READY, model, loadMs: performance.now() - started };
    } catch (error) {
      if (this.#entries.get(name) !== loading) return this.#entries.get(name) ?? loading;
      settled = { name, uri, state: ModelState.UNAVAILABLE, reason: (error as Error).message };
    }
    this.#set(settled);
    await previous?.model?.unload();
    return settled;
  }

  /** Loads several models concurrently; resolves when all have settled. */
  async loadAll(sources: readonly ModelSource[]): Promise<ModelEntry[]> {
    return Promise.all(sources.map((source) => this.load(source.name, source.uri)));
  }

  /** Releases every loaded model and forgets all entries (server shutdown). */
  async unloadAll(): Promise<void> {
    const models = this.list().flatMap((entry) => (entry.model === undefined ? [] : [entry.model]));
    this.#entries.clear();
    await Promise.all(models.map((model) => model.unload()));
  }

  #set(entry: ModelEntry): void {
    this.#entries.set(entry.name, entry);
    for (const listener of this.#listeners) listener(entry);
  }
}
