import type { ReplicaModel } from './replica-plan';

/** The replica did not answer (refused, reset, timed out): skip it this round and retry later. */
export class ReplicaUnreachableError extends Error {
  constructor(readonly replicaUrl: string, cause: unknown) {
    super(`${replicaUrl} unreachable: ${describeCause(cause)}`);
    this.name = 'ReplicaUnreachableError';
  }
}

/** The replica answered with an error (e.g. the model failed to load); `message` is its v2 `error`. */
export class ReplicaRequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ReplicaRequestError';
  }
}

export interface RepositoryClientOptions {
  /** For the index and unload calls. @default 10_000 */
  readonly requestTimeoutMs?: number;
  /** A load downloads the model first. @default 600_000 */
  readonly loadTimeoutMs?: number;
}

/**
 * The v2 model repository extension of one replica (Triton's REST paths, which kfs-runtime serves):
 * `POST /v2/repository/index`, `POST /v2/repository/models/{m}/load|unload`. The storage URI travels
 * in the load request's `parameters` (Triton's place for load options), as `storage_uri`, and the
 * index reports it back per model (redacted, with the SHA-256 of the URI as given), so a restarted
 * controller can tell which version a replica holds.
 */
export class RepositoryClient {
  readonly #requestTimeoutMs: number;
  readonly #loadTimeoutMs: number;

  constructor(readonly baseUrl: string, options: RepositoryClientOptions = {}) {
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#loadTimeoutMs = options.loadTimeoutMs ?? 600_000;
  }

  async index(): Promise<ReplicaModel[]> {
    const rows = await this.#post('/v2/repository/index', {}, this.#requestTimeoutMs);
    if (!Array.isArray(rows)) throw new ReplicaRequestError(200, `${this.baseUrl}: repository index is not a JSON array`);
    return rows.map((row: Record<string, unknown>) => ({
      name: String(row.name),
      state: typeof row.state === 'string' ? row.state : '',
      reason: typeof row.reason === 'string' ? row.reason : '',
      ...(typeof row.storage_uri === 'string' ? { storageUri: row.storage_uri } : {}),
      ...(typeof row.storage_uri_sha256 === 'string' ? { storageUriSha256: row.storage_uri_sha256 } : {}),
    }));
  }

  /** Resolves once the model is READY on the replica; rejects with the replica's reason otherwise. */
  async load(name: string, storageUri: string): Promise<void> {
    await this.#post(`/v2/repository/models/${encodeURIComponent(name)}/load`, { parameters: { storage_uri: storageUri } }, this.#loadTimeoutMs);
  }

  async unload(name: string): Promise<void> {
    try {
      await this.#post(`/v2/repository/models/${encodeURIComponent(name)}/unload`, {}, this.#requestTimeoutMs);
    } catch (error) {
      // Already gone is what we wanted (e.g. the replica restarted without it).
      if (error instanceof ReplicaRequestError && error.status === 404) return;
      throw error;
    }
  }

  async #post(path: string, body: unknown, timeoutMs: number): Promise<unknown> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new ReplicaUnreachableError(this.baseUrl, error);
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const message = typeof (parsed as { error?: unknown } | undefined)?.error === 'string' ? (parsed as { error: string }).error : `HTTP ${response.status}`;
      throw new ReplicaRequestError(response.status, message);
    }
    return parsed;
  }
}

function describeCause(cause: unknown): string {
  const error = cause as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (error?.name === 'TimeoutError') return 'no answer in time';
  return error?.cause?.code ?? error?.cause?.message ?? error?.message ?? String(cause);
}
