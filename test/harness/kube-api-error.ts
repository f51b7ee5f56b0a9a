/**
 * A request the API server answered with an error status. `message` carries the server's own
 * message (e.g. the PodSecurity or schema violation), which tests match exactly.
 */
export class KubeApiError extends Error {
  constructor(
    /** e.g. `PATCH /api/v1/namespaces/a/pods/p`. */
    readonly request: string,
    /** HTTP status code. */
    readonly statusCode: number,
    /** The `Status` object the server sent, when it sent one. */
    readonly apiStatus: KubeStatus | undefined,
    rawBody: string,
  ) {
    super(`${request} → ${statusCode}${apiStatus?.reason ? ` ${apiStatus.reason}` : ''}: ${apiStatus?.message ?? rawBody.slice(0, 2000)}`);
    this.name = 'KubeApiError';
  }

  /** The `reason` of the Status, e.g. `Forbidden`, `Invalid`, `BadRequest`, `NotFound`, `AlreadyExists`. */
  get reason(): string | undefined {
    return this.apiStatus?.reason;
  }
}

/** meta/v1 Status, as far as tests read it. */
export interface KubeStatus {
  readonly kind?: 'Status';
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: {
    readonly name?: string;
    readonly kind?: string;
    readonly causes?: readonly { readonly reason?: string; readonly message?: string; readonly field?: string }[];
  };
}
