import { setTimeout as sleep } from 'node:timers/promises';
import { StorageError, StorageErrorKind, describeCause, isTransientNetworkError } from './storage-error';

/** How often and how patiently a pull step is retried. */
export interface RetryPolicy {
  /** Attempts in total, the first included; 1 means no retry. */
  readonly maxAttempts: number;
  /** Delay before the second attempt; each later one doubles it, with jitter. */
  readonly baseDelayMs: number;
  /** Upper bound of one delay. */
  readonly maxDelayMs: number;
}

/** Reports a retry about to happen (for the log); `error` is already a StorageError. */
export type RetryListener = (attempt: number, delayMs: number, error: StorageError) => void;

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or runs out of attempts.
 * Errors that are not StorageErrors count as transient when they look like network faults and as
 * terminal otherwise, so a bug is not retried five times.
 *
 * @throws the last StorageError, its message saying how many attempts were made when more than one.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  what: string,
  attempt: (attemptNumber: number) => Promise<T>,
  onRetry?: RetryListener,
): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (raw) {
      const error = toStorageError(raw, what);
      if (!error.retryable) throw error;
      if (attemptNumber >= policy.maxAttempts) {
        throw new StorageError(error.kind, `${error.message} (gave up after ${attemptNumber} attempt${attemptNumber === 1 ? '' : 's'})`);
      }
      const delayMs = backoffDelay(policy, attemptNumber);
      onRetry?.(attemptNumber, delayMs, error);
      await sleep(delayMs);
    }
  }
}

/** Exponential backoff with "equal jitter": half fixed, half random, so retries of many objects spread out. */
export function backoffDelay(policy: RetryPolicy, attemptNumber: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptNumber - 1));
  return Math.round(exponential / 2 + Math.random() * (exponential / 2));
}

function toStorageError(error: unknown, what: string): StorageError {
  if (error instanceof StorageError) return error;
  const kind = isTransientNetworkError(error) ? StorageErrorKind.TRANSIENT : StorageErrorKind.INVALID;
  return new StorageError(kind, `${what} failed: ${describeCause(error)}`);
}
