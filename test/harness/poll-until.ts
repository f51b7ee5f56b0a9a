/**
 * Calls `check` until it returns a value other than undefined, and returns that value. Errors thrown
 * by `check` count as "not yet" (a server that is still starting refuses connections); the last one
 * is reported on timeout. `giveUpIf` ends the wait early with its message (e.g. the process died).
 */
export async function pollUntil<T>(what: string, check: () => Promise<T | undefined>, options: {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  readonly giveUpIf?: () => string | undefined;
}): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const reason = options.giveUpIf?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`${what}: not done after ${options.timeoutMs} ms${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await new Promise(resolveWait => setTimeout(resolveWait, options.intervalMs ?? 250));
  }
}
