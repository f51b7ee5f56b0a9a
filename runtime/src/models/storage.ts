import * as path from 'node:path';
import { localizeLocalPath } from './storage/local-file';
import type { CachedModel } from './storage/model-cache';
import { ModelCache } from './storage/model-cache';
import { parseModelUri, redactUri, storageScheme } from './storage/model-uri';
import { pvcLocalPath } from './storage/pvc';
import { type StorageOptions, type StorageSettings, positiveIntegerFromEnv, resolveStorageSettings } from './storage/storage-options';

export { storageScheme, redactUri, storageUriDigest, SUPPORTED_SCHEMES } from './storage/model-uri';
export { StorageError, StorageErrorKind } from './storage/storage-error';
export type { StorageOptions, StorageLogger } from './storage/storage-options';

/**
 * Validates a model URI and makes a bare path absolute (against `cwd`), so the server keeps
 * working if its working directory changes. URIs are returned as given.
 *
 * @throws Error for unsupported schemes and malformed or unsafe URIs (a `..` in a bucket prefix,
 * claim path or URL path, credentials in a URL).
 */
export function normalizeModelUri(uri: string, cwd: string = process.cwd()): string {
  const location = parseModelUri(uri, cwd);
  return location.scheme === 'file' && storageScheme(uri) === 'file' && !/^file:\/\//i.test(uri) ? location.path : uri;
}

/**
 * The local path of a local model URI (a bare path or `file://`), without pulling anything; for
 * callers that only ever deal with local folders (listing a `--model-repository` root).
 *
 * @throws Error for remote URIs, which need `ModelStorage.localize`.
 */
export async function localizeModelUri(uri: string): Promise<string> {
  const location = parseModelUri(uri);
  if (location.scheme !== 'file') throw new Error(`model URI '${redactUri(uri)}' is not local; pull it with ModelStorage.localize`);
  return location.path;
}

/** A model's files on local disk, kept in the cache until released. */
export interface LocalModel {
  /** The model file or folder (resolve the layout with `resolveModelPath`). */
  readonly path: string;
  /** Lets the cache drop this copy once a newer one is pulled; call when the session is built. */
  release(): void;
}

/**
 * The storage entry point: turns a model URI into local files. Remote URIs (s3://, gs://, https://,
 * http://) are pulled into the cache with retries, bounded parallelism and verification; local ones
 * (paths, file://, pvc://) are used in place, archives among them unpacked into the cache. Pulls of
 * the same URI at the same time share one download.
 */
export class ModelStorage {
  readonly settings: StorageSettings;
  readonly cache: ModelCache;
  readonly #inFlight = new Map<string, Promise<string>>();

  constructor(options: StorageOptions = {}) {
    this.settings = resolveStorageSettings(options);
    this.cache = new ModelCache(this.settings.cacheDir);
  }

  /**
   * The local copy of the model at `uri`, pinned in the cache until `release()`.
   *
   * @throws StorageError (or Error for a malformed URI) whose message names the redacted URI.
   */
  async localize(uri: string): Promise<LocalModel> {
    const cacheKey = this.#cacheKey(uri);
    let pending = this.#inFlight.get(cacheKey);
    if (pending === undefined) {
      pending = this.#pull(uri, cacheKey).finally(() => this.#inFlight.delete(cacheKey));
      this.#inFlight.set(cacheKey, pending);
    }
    const localPath = await pending;
    const release = localPath.startsWith(this.cache.root + path.sep) ? this.cache.pin(localPath) : () => {};
    return { path: localPath, release };
  }

  async #pull(uri: string, cacheKey: string): Promise<string> {
    const location = parseModelUri(uri);
    const displayUri = redactUri(uri);
    const settings = this.settings;
    let pulled: CachedModel;
    switch (location.scheme) {
      case 'file':
        return localizeLocalPath(location.path, cacheKey, this.cache, settings);
      case 'pvc':
        return localizeLocalPath(pvcLocalPath(settings.pvcMountRoot, location.claimName, location.path), cacheKey, this.cache, settings);
      case 's3': {
        // KServe's S3_MAX_ATTEMPTS wins over the general setting for S3 pulls.
        const maxAttempts = positiveIntegerFromEnv(settings.env, 'S3_MAX_ATTEMPTS') ?? settings.retry.maxAttempts;
        const s3Settings = { ...settings, retry: { ...settings.retry, maxAttempts } };
        // The AWS SDK costs tens of milliseconds to load; servers without s3:// models never pay it.
        const [{ S3ObjectStore }, { pullFromObjectStore }] = await Promise.all([import('./storage/s3'), import('./storage/object-store-pull')]);
        pulled = await pullFromObjectStore(new S3ObjectStore(displayUri, location.bucket, location.prefix, s3Settings), cacheKey, this.cache, s3Settings);
        break;
      }
      case 'gs': {
        // Remote pullers load on first use (TLS and HTTP clients among them), not at every start.
        const [{ GcsObjectStore }, { pullFromObjectStore }] = await Promise.all([import('./storage/gs'), import('./storage/object-store-pull')]);
        pulled = await pullFromObjectStore(new GcsObjectStore(displayUri, location.bucket, location.prefix, settings), cacheKey, this.cache, settings);
        break;
      }
      case 'http':
      case 'https': {
        const { pullHttp } = await import('./storage/https');
        pulled = await pullHttp(location.url, displayUri, cacheKey, this.cache, settings);
        break;
      }
    }
    return pulled.localPath;
  }

  /** The same URI from another endpoint is other content: the endpoint is part of the key. */
  #cacheKey(uri: string): string {
    const { env } = this.settings;
    switch (storageScheme(uri)) {
      case 's3':
        return `${uri}\n${env.AWS_ENDPOINT_URL ?? env.S3_ENDPOINT ?? ''}`;
      case 'gs':
        return `${uri}\n${env.STORAGE_EMULATOR_HOST ?? ''}`;
      default:
        return uri;
    }
  }
}
