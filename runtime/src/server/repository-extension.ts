import { readdir } from 'node:fs/promises';
import { ErrorKind, InferenceServerError, invalidArgument, unknownModel } from '../errors';
import { ModelState } from '../models/model';
import { isValidModelName } from '../models/model-name';
import type { ModelEntry, ModelRepository } from '../models/model-repository';
import { localizeModelUri, normalizeModelUri, redactUri, storageScheme, storageUriDigest } from '../models/storage';

/** One row of the repository index, as Triton's `RepositoryIndexResponse.ModelIndex`. */
export interface RepositoryIndexEntry {
  readonly name: string;
  readonly version?: string;
  /** Empty for a model folder that was never loaded. */
  readonly state: string;
  readonly reason: string;
  /**
   * Where the listed version was loaded from, redacted: no `user:password@` and no query string,
   * which for presigned and SAS URLs is the credential (REST only; an extension of Triton's row).
   */
  readonly storage_uri?: string;
  /**
   * SHA-256 (hex) of the storage URI exactly as given. The TrainedModel controller compares it with
   * its TrainedModel's storageUri to tell a current model from one that must be swapped, also after
   * it restarts, without the index ever showing a credential.
   */
  readonly storage_uri_sha256?: string;
}

/** Options of {@link RepositoryExtension}. */
export interface RepositoryExtensionOptions {
  /**
   * Whether server readiness waits for a model loaded through the extension. A multi-model server
   * says yes until its startup models have settled, so a replica that is still starting becomes
   * ready only with the models the controller sent it meanwhile; afterwards loads never take a
   * serving replica out of its Service.
   * @default - never
   */
  readonly loadsRequired?: () => boolean;
}

/**
 * The model repository extension (index, load, unload), shared by REST and gRPC.
 *
 * A name is loaded from where it was loaded before (a `--model` flag or an earlier load), else
 * from `<modelRepository>/<name>` when the server has a model repository folder. The repository
 * URI goes through the same storage resolution as every other model URI.
 */
export class RepositoryExtension {
  readonly #root: string | undefined;

  readonly #loadsRequired: () => boolean;

  constructor(
    private readonly repository: ModelRepository,
    modelRepository?: string,
    options: RepositoryExtensionOptions = {},
  ) {
    this.#root = modelRepository?.replace(/\/+$/, '');
    this.#loadsRequired = options.loadsRequired ?? (() => false);
  }

  /** Known models plus never-loaded folders of the model repository, sorted by name. */
  async index(readyOnly: boolean): Promise<RepositoryIndexEntry[]> {
    const rows = new Map<string, RepositoryIndexEntry>();
    for (const name of await this.#repositoryFolders()) rows.set(name, { name, state: '', reason: '' });
    for (const entry of this.repository.list()) rows.set(entry.name, indexRow(entry));
    return [...rows.values()]
      .filter((row) => !readyOnly || row.state === ModelState.READY)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Loads or reloads `name`; resolves once it is READY. With `storageUri` (the load request's
   * `storage_uri` parameter) the model is loaded from there, which is how the TrainedModel
   * controller adds a model or swaps in a new version; the URI is kept as given.
   *
   * @throws InferenceServerError NOT_FOUND when the name has no known location or folder;
   * INVALID_ARG when it cannot be a model name, the URI cannot be used, or loading fails (with the
   * loader's reason).
   */
  async load(name: string, storageUri?: string): Promise<ModelEntry> {
    if (!isValidModelName(name)) throw invalidArgument(`invalid model name '${name}': use letters, digits, '_', '.' and '-', starting with a letter or digit`);
    if (storageUri !== undefined) {
      try {
        normalizeModelUri(storageUri);
      } catch (error) {
        throw invalidArgument(`load parameter 'storage_uri': ${(error as Error).message}`);
      }
    }
    const known = this.repository.get(name);
    const uri = storageUri ?? known?.uri ?? (this.#root === undefined ? undefined : `${this.#root}/${name}`);
    if (uri === undefined) throw unknownModel(name);
    const required = this.#loadsRequired();
    const settled = await this.repository.load(name, uri, { required });
    if (settled.state === ModelState.READY) return settled;
    if (required) this.repository.stopRequiring(name);
    if (known === undefined) this.repository.forget(name);
    const failure = settled.failure;
    if (known === undefined && failure instanceof InferenceServerError && failure.kind === ErrorKind.NOT_FOUND) {
      throw unknownModel(name);
    }
    throw invalidArgument(`failed to load '${name}': ${settled.reason ?? settled.state}`);
  }

  /** @throws InferenceServerError NOT_FOUND for a model the server does not list. */
  async unload(name: string): Promise<void> {
    await this.repository.unload(name);
  }

  async #repositoryFolders(): Promise<string[]> {
    if (this.#root === undefined || storageScheme(this.#root) !== 'file') return [];
    try {
      const entries = await readdir(await localizeModelUri(this.#root), { withFileTypes: true });
      return entries.filter((entry) => (entry.isDirectory() || entry.isSymbolicLink()) && isValidModelName(entry.name)).map((entry) => entry.name);
    } catch (error) {
      throw new InferenceServerError(ErrorKind.INTERNAL, `cannot list the model repository '${this.#root}': ${(error as Error).message}`);
    }
  }
}

function indexRow(entry: ModelEntry): RepositoryIndexEntry {
  return {
    name: entry.name,
    ...(entry.model?.version === undefined ? {} : { version: entry.model.version }),
    state: entry.state,
    reason: entry.reason ?? '',
    storage_uri: redactUri(entry.uri),
    storage_uri_sha256: storageUriDigest(entry.uri),
  };
}
