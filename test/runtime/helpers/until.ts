export interface UntilOptions {
  /** @default - no limit of its own (the test's timeout applies) */
  readonly timeoutMs?: number;
  /** @default 10 */
  readonly intervalMs?: number;
  /** What was awaited, for the timeout's message. @default 'a condition' */
  readonly what?: () => string;
}

/** Polls `condition` until it holds; throws `timed out waiting: <what>` after `timeoutMs`. */
export async function until(condition: () => boolean, options: UntilOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${options.what?.() ?? 'a condition'}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 10));
  }
}
