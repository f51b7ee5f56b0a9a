import { type IncomingMessage, type OutgoingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { StorageError, StorageErrorKind, describeCause, isTransientHttpStatus, tlsTrustProblem } from './storage-error';

/** TLS and timeout settings shared by the https:// and gs:// pullers. */
export interface HttpClientOptions {
  /** Trusted certificate authorities (PEM), when not Node's defaults; see `trustedCertificates`. */
  readonly ca?: string[];
  /** Milliseconds without a byte before the request is abandoned (and retried). */
  readonly idleTimeoutMs: number;
}

/**
 * One GET (or POST) with node:http(s), resolving with the response once headers arrive; the caller
 * consumes or discards the body. node:https rather than fetch because it takes a CA per request,
 * which is how `--storage-ca-bundle` reaches only the storage connections.
 */
export function sendRequest(url: URL, options: HttpClientOptions, init: { method?: string; headers?: OutgoingHttpHeaders; body?: string } = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, {
      method: init.method ?? 'GET',
      headers: init.headers,
      ...(url.protocol === 'https:' && options.ca !== undefined ? { ca: options.ca } : {}),
    });
    // A socket idle timeout for the request's whole life, body included; node:http removes it when
    // the socket goes back to the (keep-alive) agent, so reused sockets do not collect listeners.
    let response: IncomingMessage | undefined;
    request.setTimeout(options.idleTimeoutMs, () => {
      const timeout = Object.assign(new Error(`no data for ${options.idleTimeoutMs} ms`), { code: 'ETIMEDOUT' });
      // Destroying the body with the cause makes the reader see "timed out", not a bare "aborted".
      response?.destroy(timeout);
      request.destroy(timeout);
    });
    request.on('response', (received: IncomingMessage) => {
      response = received;
      resolve(received);
    });
    request.on('error', reject);
    request.end(init.body);
  });
}

/** Reads a small response body (JSON listings, token answers, error pages) into a string. */
export async function readBody(response: IncomingMessage, limitBytes = 16 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new StorageError(StorageErrorKind.INVALID, `response body over ${limitBytes} bytes where a small one was expected`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Wraps a connection-level failure: TLS trust problems are terminal, the rest transient. */
export function connectionError(error: unknown, source: string): StorageError {
  if (error instanceof StorageError) return error;
  const problem = tlsTrustProblem(error);
  if (problem !== undefined) {
    return new StorageError(
      StorageErrorKind.ACCESS_DENIED,
      `the TLS certificate of ${source} is not trusted (${problem}); pass its certificate authority with --storage-ca-bundle (KFS_STORAGE_CA_BUNDLE)`,
    );
  }
  return new StorageError(StorageErrorKind.TRANSIENT, `connection failed for ${source}: ${describeCause(error)}`);
}

/** Maps an HTTP error status to a StorageError for `source`, discarding the body. */
export function statusError(response: IncomingMessage, source: string): StorageError {
  response.resume();
  const status = response.statusCode ?? 0;
  if (status === 401 || status === 403) {
    return new StorageError(StorageErrorKind.ACCESS_DENIED, `access to ${source} was denied (HTTP ${status}); check the credentials it needs`);
  }
  if (status === 404 || status === 410) return new StorageError(StorageErrorKind.NOT_FOUND, `${source} does not exist (HTTP ${status})`);
  if (isTransientHttpStatus(status)) return new StorageError(StorageErrorKind.TRANSIENT, `${source} answered HTTP ${status}`);
  return new StorageError(StorageErrorKind.INVALID, `${source} answered HTTP ${status}`);
}
