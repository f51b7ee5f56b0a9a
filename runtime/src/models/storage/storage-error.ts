/** Why a pull failed, which decides whether trying again can help. */
export enum StorageErrorKind {
  /** The URI or what it points at is malformed or unsafe (a `..` path, a refused archive entry). */
  INVALID = 'INVALID',
  /** The bucket, object or file does not exist. */
  NOT_FOUND = 'NOT_FOUND',
  /** The store refused the credentials, or they grant no access. */
  ACCESS_DENIED = 'ACCESS_DENIED',
  /** A fault that may pass: 5xx, 429, timeouts, dropped connections, truncated bodies. */
  TRANSIENT = 'TRANSIENT',
}

/**
 * A pull failure with a message fit for logs and the model's UNAVAILABLE reason: it names the URI
 * (redacted, see `redactUri`) and never a credential.
 */
export class StorageError extends Error {
  constructor(
    readonly kind: StorageErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }

  /** True when a retry with backoff may succeed. */
  get retryable(): boolean {
    return this.kind === StorageErrorKind.TRANSIENT;
  }
}

/** Network error codes that mean "the peer went away or is not there yet", worth a retry. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'TimeoutError',
  'RequestTimeout',
]);

const TRANSIENT_MESSAGE = /\b(ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|ETIMEDOUT|EAI_AGAIN|socket hang up)\b/;

/** True for errors from sockets and streams that a later attempt may not hit. */
export function isTransientNetworkError(error: unknown): boolean {
  const candidate = error as { code?: unknown; name?: unknown; cause?: unknown } | undefined;
  if (candidate === undefined || candidate === null) return false;
  if (typeof candidate.code === 'string' && TRANSIENT_NETWORK_CODES.has(candidate.code)) return true;
  if (typeof candidate.name === 'string' && TRANSIENT_NETWORK_CODES.has(candidate.name)) return true;
  // Some layers (the AWS SDK's retry wrapper, errors crossing a vm realm) keep only the message.
  const message = (candidate as { message?: unknown }).message ?? String(error);
  if (typeof message === 'string' && TRANSIENT_MESSAGE.test(message)) return true;
  return candidate.cause !== undefined && candidate.cause !== error && isTransientNetworkError(candidate.cause);
}

/** HTTP statuses that are worth a retry (KServe's and botocore's standard retry set). */
export function isTransientHttpStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** A short description of a low-level error, for messages: its code when it has one. */
export function describeCause(error: unknown): string {
  const candidate = error as { code?: unknown; message?: unknown };
  const code = typeof candidate?.code === 'string' ? candidate.code : undefined;
  const message = typeof candidate?.message === 'string' ? candidate.message : String(error);
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Certificate errors are configuration, not weather: retrying cannot help. */
const TLS_TRUST_CODES = ['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID'];
// Node's messages for the same codes, for layers that keep only the message (the AWS SDK's wrapper).
const TLS_TRUST_MESSAGE = /unable to verify the first certificate|self[- ]signed certificate|unable to get local issuer certificate|certificate has expired|does not match certificate's altnames/i;

/** The TLS trust problem behind an error (a code, or a short description), or undefined when there is none. */
export function tlsTrustProblem(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (candidate === undefined || candidate === null) return undefined;
  if (typeof candidate.code === 'string' && TLS_TRUST_CODES.includes(candidate.code)) return candidate.code;
  const message = typeof candidate.message === 'string' ? candidate.message : String(error);
  const match = TLS_TRUST_MESSAGE.exec(message);
  if (match) return match[0];
  return candidate.cause !== undefined && candidate.cause !== error ? tlsTrustProblem(candidate.cause) : undefined;
}
