import * as k8s from '@kubernetes/client-node';
import { Backoff } from './backoff';
import { describeError } from './describe-error';
import type { Logger } from './logger';

export type InformerEvent = 'add' | 'update' | 'delete';

export interface ResilientInformerOptions<T extends k8s.KubernetesObject> {
  /** For logs, e.g. `trainedmodels in models`. */
  readonly name: string;
  readonly kubeConfig: k8s.KubeConfig;
  /** API path of the collection, e.g. `/apis/serving.kserve.io/v1alpha1/namespaces/models/trainedmodels`. */
  readonly path: string;
  /** Lists the same collection, with the same label selector. */
  readonly list: () => Promise<k8s.KubernetesListObject<T>>;
  readonly labelSelector?: string;
  readonly onEvent: (event: InformerEvent, object: T) => void;
  readonly log: Logger;
  /** @default 500 */
  readonly initialBackoffMs?: number;
  /** @default 30_000 */
  readonly maxBackoffMs?: number;
}

/**
 * A client-node 2.0.1 informer that does not stay dead. Its ListWatch already relists after a 410
 * Gone (watch expired, e.g. after an API server restart) and reconnects after a normal end of the
 * watch, but any other error (connection refused or reset, 5xx, 403, a failed list) ends it for
 * good after one `error` event; and `stop()` itself emits an AbortError. Here every error that is
 * not our own stop restarts it after a capped, jittered backoff (reset once a list succeeds or an
 * event arrives), resuming from the last resourceVersion so nothing is missed, or relisting when
 * that is gone. The cache is kept meanwhile: reconciles keep working from the last known state.
 */
export class ResilientInformer<T extends k8s.KubernetesObject> {
  readonly #informer: k8s.ListWatch<T>;
  readonly #backoff: Backoff;
  #stopping = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #synced = false;
  readonly #syncWaiters: (() => void)[] = [];
  /** How many full lists ran (the first one, then one per 410 or restart without a resourceVersion). */
  lists = 0;
  /** How many times it was restarted after an error. */
  restarts = 0;

  constructor(private readonly options: ResilientInformerOptions<T>) {
    this.#backoff = new Backoff(options.initialBackoffMs ?? 500, options.maxBackoffMs ?? 30_000);
    const list = async () => {
      const result = await options.list();
      this.lists++;
      this.#backoff.reset();
      if (this.lists > 1) options.log.info('informer relisted', { informer: options.name, items: result.items.length });
      this.#markSynced();
      return result;
    };
    // Bookmarks keep the resourceVersion fresh on quiet collections, so a reconnect rarely needs a relist.
    const path = `${options.path}?allowWatchBookmarks=true`;
    this.#informer = new k8s.ListWatch<T>(path, new k8s.Watch(options.kubeConfig), list, false, options.labelSelector);
    for (const event of ['add', 'update', 'delete'] as const) {
      this.#informer.on(event, (object: T) => {
        this.#backoff.reset();
        options.onEvent(event, object);
      });
    }
    this.#informer.on('error', (error: unknown) => this.#onError(error));
  }

  start(): void {
    this.#stopping = false;
    this.#startInformer();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer !== undefined) clearTimeout(this.#restartTimer);
    await this.#informer.stop();
  }

  /** Every object in the cache (the last successful list plus the watch events since). */
  list(): readonly T[] {
    return this.#informer.list();
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** Resolves after the first successful list. */
  whenSynced(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  #markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    for (const resolve of this.#syncWaiters.splice(0)) resolve();
  }

  #onError(error: unknown): void {
    if (this.#stopping) return;
    // Our own stop() aborts the request and reports it as an error; it was handled above. Any other
    // abort is the library giving up on the stream, which deserves a restart like every error.
    const delay = this.#backoff.next();
    this.restarts++;
    this.options.log.warn('informer stopped; restarting', { informer: this.options.name, error: describeError(error), retryInMs: delay });
    if (this.#restartTimer !== undefined) clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (!this.#stopping) this.#startInformer();
    }, delay);
  }

  #startInformer(): void {
    this.#informer.start().catch((error: unknown) => this.#onError(error));
  }
}
