import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RetryPolicy } from './retry';

/** The log calls pulls make; fastify's (pino's) logger fits. */
export interface StorageLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** How models are pulled; every field has a default, and the CLI maps its flags onto these. */
export interface StorageOptions {
  /**
   * Folder for pulled models, keyed by URI, so loading the same URI again does not download again.
   * @default `<os tmpdir>/kfs-model-cache` (in a pod: the writable /tmp emptyDir)
   */
  readonly cacheDir?: string;
  /**
   * Objects downloaded at once from one bucket prefix. S3 pulls honour KServe's `S3_MAX_FILE_CONCURRENCY` first.
   * @default 8
   */
  readonly concurrency?: number;
  /**
   * Attempts per request (listing, object, file), the first included, for 5xx, 429, timeouts and
   * dropped connections. S3 pulls honour KServe's `S3_MAX_ATTEMPTS` first.
   * @default 5
   */
  readonly maxAttempts?: number;
  /**
   * Delay before the first retry; it doubles per attempt (with jitter) up to `retryMaxDelayMs`.
   * @default 500
   */
  readonly retryBaseDelayMs?: number;
  /** @default 10000 */
  readonly retryMaxDelayMs?: number;
  /**
   * Milliseconds without a byte before a request or download is abandoned and retried (a stalled
   * connection). S3 pulls honour KServe's `S3_READ_TIMEOUT` (seconds) first.
   * @default 30000 (KServe's S3_READ_TIMEOUT)
   */
  readonly readTimeoutMs?: number;
  /**
   * PEM file of extra certificate authorities trusted for https:// pulls (and gs:// / s3:// over
   * HTTPS; `AWS_CA_BUNDLE` wins for S3, as in KServe).
   * @default - Node's built-in roots (plus NODE_EXTRA_CA_CERTS)
   */
  readonly caBundleFile?: string;
  /**
   * Largest total size an archive may unpack to, in bytes (zip-bomb guard).
   * @default 16 GiB
   */
  readonly maxUnpackedBytes?: number;
  /**
   * Most entries an archive may hold.
   * @default 100000
   */
  readonly maxArchiveEntries?: number;
  /**
   * Where `pvc://<claim>/<path>` claims are mounted: the model is read from `<root>/<claim>/<path>`.
   * @default '/mnt/pvc' (KServe's PVC mount point)
   */
  readonly pvcMountRoot?: string;
  /**
   * Interval of the progress log lines (bytes, rate) while a pull runs; pulls that finish sooner
   * log only their summary.
   * @default 5000
   */
  readonly progressIntervalMs?: number;
  /**
   * Where endpoints and credentials are read from, under KServe's variable names (`AWS_*`, `S3_*`,
   * `STORAGE_EMULATOR_HOST`, `GOOGLE_APPLICATION_CREDENTIALS`, `<host>-headers`, …).
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /** @default - no logging */
  readonly logger?: StorageLogger;
}

/** StorageOptions with the defaults applied. */
export interface StorageSettings {
  readonly cacheDir: string;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly readTimeoutMs: number;
  readonly caBundleFile: string | undefined;
  readonly maxUnpackedBytes: number;
  readonly maxArchiveEntries: number;
  readonly pvcMountRoot: string;
  readonly progressIntervalMs: number;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: StorageLogger;
}

export const DEFAULT_STORAGE_CONCURRENCY = 8;
export const DEFAULT_STORAGE_MAX_ATTEMPTS = 5;
export const DEFAULT_MAX_UNPACKED_BYTES = 16 * 1024 ** 3;
export const DEFAULT_PVC_MOUNT_ROOT = '/mnt/pvc';

const SILENT_LOGGER: StorageLogger = { info() {}, warn() {} };

/** Applies the defaults once; the pullers only ever see resolved settings. */
export function resolveStorageSettings(options: StorageOptions = {}): StorageSettings {
  return {
    cacheDir: path.resolve(options.cacheDir ?? path.join(tmpdir(), 'kfs-model-cache')),
    concurrency: options.concurrency ?? DEFAULT_STORAGE_CONCURRENCY,
    retry: {
      maxAttempts: options.maxAttempts ?? DEFAULT_STORAGE_MAX_ATTEMPTS,
      baseDelayMs: options.retryBaseDelayMs ?? 500,
      maxDelayMs: options.retryMaxDelayMs ?? 10_000,
    },
    readTimeoutMs: options.readTimeoutMs ?? 30_000,
    caBundleFile: options.caBundleFile,
    maxUnpackedBytes: options.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED_BYTES,
    maxArchiveEntries: options.maxArchiveEntries ?? 100_000,
    pvcMountRoot: path.resolve(options.pvcMountRoot ?? DEFAULT_PVC_MOUNT_ROOT),
    progressIntervalMs: options.progressIntervalMs ?? 5000,
    env: options.env ?? process.env,
    logger: options.logger ?? SILENT_LOGGER,
  };
}

/** Reads a positive whole number from an environment variable, or undefined when unset. */
export function positiveIntegerFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1, got '${raw}'`);
  return value;
}

/** Reads a boolean the way KServe's storage initializer does ('1'/'true' and '0'/'false'). */
export function booleanFromEnv(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new Error(`${name} must be 1/true or 0/false, got '${env[name]}'`);
}
