import * as k8s from '@kubernetes/client-node';

/**
 * A one-line description of an API or network error for logs and messages: client-node's
 * ApiException carries the Status as a JSON string; fetch failures hide the errno in `cause`.
 */
export function describeError(error: unknown): string {
  if (error instanceof k8s.ApiException) {
    let message = '';
    try {
      message = (JSON.parse(String(error.body)) as { message?: string }).message ?? '';
    } catch {
      message = String(error.body).slice(0, 200);
    }
    return `HTTP ${error.code}${message ? `: ${message}` : ''}`;
  }
  const cause = (error as { cause?: { code?: string } })?.cause?.code;
  return `${(error as Error)?.message ?? String(error)}${cause ? ` (${cause})` : ''}`;
}
