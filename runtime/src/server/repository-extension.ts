import { readdir } from 'node:fs/promises';
import { ErrorKind, InferenceServerError, invalidArgument, unknownModel } from '../errors';
import { ModelState } from '../models/model';
import { isValidModelName } from '../models/model-name';
import type { ModelEntry, ModelRepository } from '../models/model-repository';
import { localizeModelUri, storageScheme } from '../models/storage';

/** One row of the repository index, as Triton's `RepositoryIndexResponse.ModelIndex`. */
export interface RepositoryIndexEntry {
  readonly name: string;
  readonly version?: string;
  /** Empty for a model folder that was never loaded. */
  readonly state: string;
  readonly reason: string;
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

  constructor(
    private readonly repository: ModelRepository,
    modelRepository?: string,
  ) {
    this.#root = modelRepository?.replace(/\/+$/, '');
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
   * Loads or reloads `name`; resolves once it is READY.
   *
   * @throws InferenceServerError NOT_FOUND when the name has no known location or folder;
   * INVALID_ARG when it cannot be a model name or loading fails (with the loader's reason).
   */
  async load(name: string): Promise<ModelEntry> {
    if (!isValidModelName(name)) throw invalidArgument(`invalid model name '${name}': use letters, digits, '_', '.' and '-', starting with a letter or digit`);
    const known = this.repository.get(name);
    const uri = known?.uri ?? (this.#root === undefined ? undefined : `${this.#root}/${name}`);
    if (uri === undefined) throw unknownModel(name);
    const settled = await this.repository.load(name, uri, { required: false });
    if (settled.state === ModelState.READY) return settled;
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
  };
}
