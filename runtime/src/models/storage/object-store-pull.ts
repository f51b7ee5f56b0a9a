import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { archiveFormatOf } from './archive';
import { mapWithConcurrency } from './concurrency';
import type { CachedModel, ModelCache } from './model-cache';
import { PullProgress } from './pull-progress';
import { withRetries } from './retry';
import { resolveInside, unsafeRelativePathReason } from './safe-path';
import { StorageError, StorageErrorKind } from './storage-error';
import type { StorageSettings } from './storage-options';
import { scratchPath, unpackIntoStaging } from './unpack-staged';
import type { ExpectedContent } from './write-download';

/** One object of a listing, with what the store says about its content. */
export interface RemoteObject {
  /** The store's name for it (S3 key, GCS object name). */
  readonly key: string;
  /** Where it goes under the model folder (the key without the prefix). */
  readonly relativePath: string;
  /** Identifies this content (ETag, generation); part of the cache fingerprint. */
  readonly version: string;
  readonly expected: ExpectedContent;
}

/** The objects a URI names: the one object whose key is the prefix, or every object under `prefix/`. */
export interface ObjectListing {
  readonly objects: readonly RemoteObject[];
  /** True when the URI named one object exactly (its file name is kept as the model entry). */
  readonly singleObject: boolean;
}

/** A bucket-style store: S3 and GCS implement this, the pull logic below is shared. */
export interface ObjectStore {
  /** The model URI, redacted, for messages and logs. */
  readonly uri: string;
  /** The concurrency this store was configured for (S3 honours S3_MAX_FILE_CONCURRENCY). */
  readonly concurrency: number;
  /** Lists the objects once (no retry; the caller retries). */
  list(): Promise<ObjectListing>;
  /** Downloads one object into `file` once, verifying size and checksum (no retry; the caller retries). */
  download(object: RemoteObject, file: string, onBytes: (bytes: number) => void): Promise<void>;
}

/**
 * KServe's prefix rule: a key equal to the prefix is that single object; otherwise the objects
 * under `prefix/` (not `prefix*`, so `iris/1` never picks up `iris/10/…`). Folder markers (keys
 * ending in `/`) are skipped.
 */
export function selectObjects(prefix: string, keys: readonly { key: string; version: string; expected: ExpectedContent }[]): ObjectListing {
  const exact = keys.find((object) => object.key === prefix && prefix !== '');
  if (exact !== undefined) {
    return { singleObject: true, objects: [{ ...exact, relativePath: path.posix.basename(exact.key) }] };
  }
  const folder = prefix === '' ? '' : `${prefix}/`;
  const objects = keys
    .filter((object) => object.key.startsWith(folder) && !object.key.endsWith('/'))
    .map((object) => ({ ...object, relativePath: object.key.slice(folder.length) }));
  return { singleObject: false, objects };
}

/**
 * Pulls a bucket prefix into the cache: list (with retries), serve from the cache when the listing
 * is unchanged, otherwise download every object with bounded concurrency (each with retries and
 * verification) into a staging folder, unpack a lone archive, and commit it in one rename.
 */
export async function pullFromObjectStore(store: ObjectStore, cacheKey: string, cache: ModelCache, settings: StorageSettings): Promise<CachedModel> {
  const { logger } = settings;
  const onRetry = (what: string) => (attempt: number, delayMs: number, error: StorageError) =>
    logger.warn({ uri: store.uri, attempt, delayMs, error: error.message }, `${what} failed (attempt ${attempt}), retrying in ${delayMs} ms`);
  const listing = await withRetries(settings.retry, `listing ${store.uri}`, () => store.list(), onRetry(`listing ${store.uri}`));
  if (listing.objects.length === 0) {
    throw new StorageError(StorageErrorKind.NOT_FOUND, `no model found at ${store.uri}: no object has that key or lies under that prefix`);
  }
  // Refuse a hostile key before anything is written.
  for (const object of listing.objects) {
    const reason = unsafeRelativePathReason(object.relativePath);
    if (reason !== undefined) {
      throw new StorageError(StorageErrorKind.INVALID, `refused object key ${JSON.stringify(object.key)} in ${store.uri}: its path ${reason}, which could write outside the model folder`);
    }
  }

  const fingerprint = createHash('sha256')
    .update(JSON.stringify(listing.objects.map((object) => [object.relativePath, object.expected.size, object.version]).sort()))
    .digest('hex');
  const cached = await cache.lookup(cacheKey, fingerprint);
  if (cached !== undefined) {
    logger.info({ uri: store.uri, path: cached.localPath }, `using cached copy of ${store.uri} (unchanged since it was pulled)`);
    return cached;
  }

  const lone = listing.objects.length === 1 ? listing.objects[0] : undefined;
  const archiveFormat = lone === undefined ? undefined : archiveFormatOf(lone.relativePath);
  const totalBytes = listing.objects.every((object) => object.expected.size !== undefined)
    ? listing.objects.reduce((sum, object) => sum + (object.expected.size ?? 0), 0)
    : undefined;
  const staging = await cache.stage();
  const progress = new PullProgress(logger, store.uri, settings.progressIntervalMs, totalBytes, listing.objects.length);
  logger.info({ uri: store.uri, objects: listing.objects.length, totalBytes }, `pulling ${store.uri}: ${listing.objects.length} object${listing.objects.length === 1 ? '' : 's'}`);
  try {
    await mapWithConcurrency(listing.objects, store.concurrency, async (object) => {
      const file = archiveFormat !== undefined ? scratchPath(staging, object.relativePath) : resolveInside(staging.modelDir, object.relativePath, 'object key', store.uri);
      await withRetries(
        settings.retry,
        `download of ${store.uri} object '${object.key}'`,
        async () => {
          let received = 0;
          try {
            await store.download(object, file, (bytes) => {
              received += bytes;
              progress.add(bytes);
            });
          } catch (error) {
            progress.discard(received);
            throw error;
          }
        },
        onRetry(`download of '${object.key}'`),
      );
      progress.fileDone();
    });
    let entry = listing.singleObject && archiveFormat === undefined ? (lone?.relativePath ?? '') : '';
    if (archiveFormat !== undefined && lone !== undefined) {
      entry = (await unpackIntoStaging(scratchPath(staging, lone.relativePath), archiveFormat, staging, settings, store.uri)).entry;
    }
    const summary = progress.finish();
    return await cache.commit(staging, cacheKey, { uri: store.uri, fingerprint, entry, files: summary.files, bytes: summary.bytes });
  } catch (error) {
    progress.cancel();
    await staging.discard();
    throw error;
  }
}
