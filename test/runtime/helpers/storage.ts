import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createModelLoader } from '../../../runtime/src/models/load-model';
import { ModelRepository } from '../../../runtime/src/models/model-repository';
import { ModelStorage, type StorageOptions } from '../../../runtime/src/models/storage';

/** A storage logger that keeps every line (message and fields) for assertions. */
export class CapturingLogger {
  readonly lines: { level: 'info' | 'warn'; message: string; fields: Record<string, unknown> }[] = [];
  info(fields: object, message: string): void {
    this.lines.push({ level: 'info', message, fields: fields as Record<string, unknown> });
  }
  warn(fields: object, message: string): void {
    this.lines.push({ level: 'warn', message, fields: fields as Record<string, unknown> });
  }
  messages(): string[] {
    return this.lines.map((line) => line.message);
  }
}

/** A repository over a real storage with its own temporary cache folder. */
export interface StorageFixture {
  readonly storage: ModelStorage;
  readonly repository: ModelRepository;
  readonly logger: CapturingLogger;
  readonly cacheDir: string;
  /** Unloads every model and deletes the cache folder. */
  cleanup(): Promise<void>;
}

export async function makeStorageFixture(options: Omit<StorageOptions, 'logger' | 'cacheDir'> = {}): Promise<StorageFixture> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'kfs-cache-test-'));
  const logger = new CapturingLogger();
  // Short backoff keeps retry tests quick; the policy itself is what is under test, not its defaults.
  const storage = new ModelStorage({ retryBaseDelayMs: 50, retryMaxDelayMs: 1000, ...options, cacheDir, logger });
  const repository = new ModelRepository(createModelLoader(storage));
  return {
    storage,
    repository,
    logger,
    cacheDir,
    async cleanup() {
      await repository.unloadAll();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

/** Every file under `dir`, as sorted `/`-separated relative paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** Committed cache folders (`<uri key>/<fingerprint>`), i.e. what loads may read; staging excluded. */
export async function committedCacheFolders(cacheDir: string): Promise<string[]> {
  const folders: string[] = [];
  for (const uriKey of await readdir(cacheDir).catch(() => [] as string[])) {
    if (uriKey === '.staging') continue;
    for (const version of await readdir(path.join(cacheDir, uriKey))) folders.push(`${uriKey}/${version}`);
  }
  return folders;
}
