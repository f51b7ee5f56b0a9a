import { storageUriDigest } from '../models/storage/model-uri';
import type { DesiredModel } from './desired-state';

/** One row of a replica's repository index, as the controller needs it. */
export interface ReplicaModel {
  readonly name: string;
  /** Triton's states: LOADING, READY, UNAVAILABLE; empty for a folder that was never loaded. */
  readonly state: string;
  readonly reason: string;
  /** Where the loaded (or loading) version came from, as the replica shows it (kfs-runtime redacts credentials). */
  readonly storageUri?: string;
  /** SHA-256 (hex) of that storage URI as it was given, where the replica reports one (kfs-runtime does). */
  readonly storageUriSha256?: string;
}

/**
 * Whether the replica's row is of the version at `storageUri`: by the URI's digest where the
 * replica reports one (its `storage_uri` is redacted, so a URI with a credential in it would never
 * match), else by the URI itself.
 */
export function isFrom(row: ReplicaModel | undefined, storageUri: string): boolean {
  if (row === undefined) return false;
  if (row.storageUriSha256 !== undefined) return row.storageUriSha256 === storageUriDigest(storageUri);
  return row.storageUri === storageUri;
}

export interface ReplicaPlan {
  /** Models to (re)load: missing, failed, or loaded from another storage URI (a swap). */
  readonly loads: readonly DesiredModel[];
  /** Models the replica has that are not desired. */
  readonly unloads: readonly string[];
  /** Desired models the replica is still loading (from its model config, or an earlier request). */
  readonly loading: readonly string[];
}

/**
 * What one replica must do to serve exactly the desired models. Pure; the reconciler decides when
 * (backoff for models that keep failing).
 *
 * A model loaded from another storage URI is loaded again with the new one, not unloaded first:
 * kfs-runtime keeps the old version serving until the new one is READY and then swaps, so requests
 * never see a 404 during the change.
 */
export function planReplica(desired: readonly DesiredModel[], reported: readonly ReplicaModel[]): ReplicaPlan {
  const byName = new Map(reported.map((row) => [row.name, row]));
  const loads: DesiredModel[] = [];
  const loading: string[] = [];
  for (const model of desired) {
    const row = byName.get(model.name);
    const sameSource = isFrom(row, model.storageUri);
    if (row !== undefined && sameSource && row.state === 'READY') continue;
    if (row !== undefined && sameSource && row.state === 'LOADING') {
      loading.push(model.name);
      continue;
    }
    loads.push(model);
  }
  const wanted = new Set(desired.map((m) => m.name));
  // Only what is served or on its way: an UNAVAILABLE row (unloaded, or a failed load) holds no
  // engine, and a never-loaded repository folder (state '') is not served; unloading those again
  // would be an extra unload on every reconcile.
  const unloads = reported.filter((row) => !wanted.has(row.name) && (row.state === 'READY' || row.state === 'LOADING')).map((row) => row.name);
  return { loads, unloads, loading };
}
