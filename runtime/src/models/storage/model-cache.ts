import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/** What a committed pull records next to the files, so a cache hit needs no second listing of the folder. */
export interface PullManifest {
  /** The model URI, redacted (never a query string or user info). */
  readonly uri: string;
  /** Identifies the remote content (listing of keys, sizes and ETags; or HTTP validators). */
  readonly fingerprint: string;
  /** Path of the model inside the `model/` folder: '' for the folder itself, or a file or sub-folder. */
  readonly entry: string;
  /** HTTP validators for conditional requests, when the server sent them. */
  readonly etag?: string;
  readonly lastModified?: string;
  readonly files: number;
  readonly bytes: number;
}

/** A model found in or committed to the cache. */
export interface CachedModel {
  /** The model file or folder to load. */
  readonly localPath: string;
  readonly manifest: PullManifest;
}

/** A private folder a pull writes into; nothing there is visible to loads until `commit`. */
export interface StagingArea {
  /** Where the files go (`<staging>/model`). */
  readonly modelDir: string;
  /** A folder for downloads that are not the model itself (an archive before unpacking). */
  readonly scratchDir: string;
  /** Removes the folder and everything in it. */
  discard(): Promise<void>;
}

const MANIFEST = 'pull.json';
const MODEL_FOLDER = 'model';
const STAGING = '.staging';

/**
 * The local model cache. Layout: `<root>/<sha256(uri)>/<fingerprint>/{pull.json, model/…}`.
 * A pull writes into `<root>/.staging/<pid>-<random>/` and is renamed into place in one step once
 * complete and verified, so a folder under a URI key is always whole: a crash leaves only staging
 * debris, which the next process clears. Keyed by URI *and* fingerprint, so a changed bucket is
 * pulled again while an unchanged one is served from disk.
 */
export class ModelCache {
  readonly #pinned = new Map<string, number>();
  #staleStagingCleared: Promise<void> | undefined;

  constructor(readonly root: string) {}

  /** The committed copy of `uri` with this content fingerprint, if there is one. */
  async lookup(uri: string, fingerprint: string): Promise<CachedModel | undefined> {
    return this.#read(path.join(this.#uriFolder(uri), fingerprintFolder(fingerprint)));
  }

  /** The committed copy of `uri`, whatever its fingerprint (for HTTP revalidation, where the fingerprint comes from the response); older copies are dropped on commit, so there is at most one unpinned. */
  async latest(uri: string): Promise<CachedModel | undefined> {
    const uriFolder = this.#uriFolder(uri);
    const names = await readdir(uriFolder).catch(() => [] as string[]);
    for (const name of names) {
      const found = await this.#read(path.join(uriFolder, name));
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** A fresh staging folder on the cache's filesystem (so commit is a rename, not a copy). */
  async stage(): Promise<StagingArea> {
    this.#staleStagingCleared ??= this.#clearStaleStaging();
    await this.#staleStagingCleared;
    const dir = path.join(this.root, STAGING, `${process.pid}-${randomBytes(6).toString('hex')}`);
    const modelDir = path.join(dir, MODEL_FOLDER);
    await mkdir(modelDir, { recursive: true });
    const scratchDir = path.join(dir, 'scratch');
    return { modelDir, scratchDir, discard: () => rm(dir, { recursive: true, force: true }) };
  }

  /**
   * Moves a finished staging folder into place and drops older copies of the same URI that no load
   * is using. If another pull committed the same content first, ours is discarded and theirs used.
   */
  async commit(staging: StagingArea, uri: string, manifest: PullManifest): Promise<CachedModel> {
    const stagingDir = path.dirname(staging.modelDir);
    await writeFile(path.join(stagingDir, MANIFEST), JSON.stringify(manifest, null, 2));
    const uriFolder = this.#uriFolder(uri);
    const finalDir = path.join(uriFolder, fingerprintFolder(manifest.fingerprint));
    await mkdir(uriFolder, { recursive: true });
    try {
      await rename(stagingDir, finalDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      await staging.discard();
    }
    await this.#dropOtherVersions(uriFolder, finalDir);
    const committed = await this.#read(finalDir);
    if (committed === undefined) throw new Error(`model cache folder ${finalDir} vanished right after commit`);
    return committed;
  }

  /** Keeps a cached folder from being dropped while a model is being loaded from it. */
  pin(localPath: string): () => void {
    const dir = this.#versionFolderOf(localPath);
    this.#pinned.set(dir, (this.#pinned.get(dir) ?? 0) + 1);
    return () => {
      const count = (this.#pinned.get(dir) ?? 1) - 1;
      if (count <= 0) this.#pinned.delete(dir);
      else this.#pinned.set(dir, count);
    };
  }

  #uriFolder(uri: string): string {
    return path.join(this.root, createHash('sha256').update(uri).digest('hex').slice(0, 32));
  }

  #versionFolderOf(localPath: string): string {
    const relative = path.relative(this.root, localPath).split(path.sep);
    return path.join(this.root, relative[0] ?? '', relative[1] ?? '');
  }

  async #read(versionDir: string): Promise<CachedModel | undefined> {
    let manifest: PullManifest;
    try {
      manifest = JSON.parse(await readFile(path.join(versionDir, MANIFEST), 'utf8')) as PullManifest;
    } catch {
      return undefined;
    }
    const modelDir = path.join(versionDir, MODEL_FOLDER);
    return { localPath: manifest.entry === '' ? modelDir : path.join(modelDir, ...manifest.entry.split('/')), manifest };
  }

  async #dropOtherVersions(uriFolder: string, keep: string): Promise<void> {
    for (const name of await readdir(uriFolder)) {
      const dir = path.join(uriFolder, name);
      if (dir !== keep && !this.#pinned.has(dir)) await rm(dir, { recursive: true, force: true });
    }
  }

  /** Staging folders of processes that are gone (killed mid-pull) are debris. */
  async #clearStaleStaging(): Promise<void> {
    const stagingRoot = path.join(this.root, STAGING);
    const names = await readdir(stagingRoot).catch(() => [] as string[]);
    for (const name of names) {
      const pid = Number(name.split('-')[0]);
      if (pid !== process.pid && !isProcessAlive(pid)) await rm(path.join(stagingRoot, name), { recursive: true, force: true });
    }
  }
}

function fingerprintFolder(fingerprint: string): string {
  return createHash('sha256').update(fingerprint).digest('hex').slice(0, 16);
}

function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
