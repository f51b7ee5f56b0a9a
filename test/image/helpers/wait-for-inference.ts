/** A v2 inference answer read fully. */
export interface InferAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * POSTs `request` to a v2 infer URL until it answers 200 (connection refused and 503 while loading
 * are retried every `intervalMs`), or rejects after `timeoutMs` or when `stillRunning()` turns false.
 */
export async function waitForInference(url: string, request: unknown, options: { timeoutMs: number; intervalMs: number; stillRunning: () => boolean }): Promise<InferAnswer> {
  const body = JSON.stringify(request);
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!options.stillRunning()) throw new Error(`the server exited before answering (${last})`);
    try {
      const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const text = await response.text();
      if (response.status === 200) return { status: response.status, body: text };
      last = `${response.status} ${text}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
  throw new Error(`no 200 from ${url} within ${options.timeoutMs} ms (last: ${last})`);
}
