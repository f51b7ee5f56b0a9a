import { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { KubeApiError, KubeStatus } from './kube-api-error';

/**
 * A minimal HTTPS client for one API server identity (a bearer token, or anonymous).
 *
 * Why not @kubernetes/client-node here: 2.x is ESM-only, and jest (CommonJS through ts-jest) loads
 * ES modules only with NODE_OPTIONS=--experimental-vm-modules. The harness must work in every test
 * file, so it speaks REST itself; code that uses client-node (the controller) runs as its own Node
 * process and gets a kubeconfig from the harness instead.
 */

export type QueryValue = string | number | boolean | undefined;

export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute API path, e.g. `/api/v1/namespaces`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** Sent as JSON (which is also valid YAML, so server-side apply accepts it). */
  readonly body?: unknown;
  /** @default - application/json when there is a body */
  readonly contentType?: string;
}

export interface KubeResponse<T> {
  readonly statusCode: number;
  readonly body: T;
  /** Texts of the `Warning: 299 - "..."` headers (deprecations, PodSecurity warn mode, …). */
  readonly warnings: readonly string[];
}

export interface KubeRestClientOptions {
  /** e.g. `https://127.0.0.1:40123`. */
  readonly server: string;
  /** PEM the server's certificate chains to. */
  readonly caPem: string;
  /** Bearer token; anonymous without one. */
  readonly token?: string;
  /** @default 30_000 */
  readonly timeoutMs?: number;
}

export class KubeRestClient {
  constructor(readonly options: KubeRestClientOptions) {}

  /** Sends the request; resolves to the parsed body, rejects with KubeApiError for status ≥ 400. */
  async request<T = any>(req: KubeRequest): Promise<KubeResponse<T>> {
    const url = new URL(req.path, this.options.server);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    if (payload) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const described = `${req.method} ${url.pathname}${url.search}`;
    const { response, text } = await new Promise<{ response: IncomingMessage; text: string }>((resolveResponse, reject) => {
      const outgoing = httpsRequest(url, {
        method: req.method,
        headers,
        ca: this.options.caPem,
        // No keep-alive: an idle pooled socket would hold jest open, and would be dead after restartApiServer().
        agent: false,
        timeout: this.options.timeoutMs ?? 30_000,
      }, incoming => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => resolveResponse({ response: incoming, text: Buffer.concat(chunks).toString('utf-8') }));
        incoming.on('error', reject);
      });
      outgoing.on('timeout', () => outgoing.destroy(new Error(`${described}: no answer within ${this.options.timeoutMs ?? 30_000} ms`)));
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
    const statusCode = response.statusCode ?? 0;
    const body = parseJson(text);
    if (statusCode >= 400) throw new KubeApiError(described, statusCode, isStatus(body) ? body : undefined, text);
    return { statusCode, body: (body ?? text) as T, warnings: warningsOf(response) };
  }

  async get<T = any>(path: string, query?: Record<string, QueryValue>): Promise<T> {
    return (await this.request<T>({ method: 'GET', path, query })).body;
  }

  async post<T = any>(path: string, body: unknown, query?: Record<string, QueryValue>): Promise<T> {
    return (await this.request<T>({ method: 'POST', path, body, query })).body;
  }

  async delete<T = any>(path: string, query?: Record<string, QueryValue>): Promise<T> {
    return (await this.request<T>({ method: 'DELETE', path, query })).body;
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function isStatus(body: unknown): body is KubeStatus {
  return typeof body === 'object' && body !== null && (body as KubeStatus).kind === 'Status';
}

/** The API server sends RFC 7234 warnings as `299 - "text"`, one header per warning. */
function warningsOf(response: IncomingMessage): string[] {
  const warnings: string[] = [];
  for (let i = 0; i < response.rawHeaders.length; i += 2) {
    if (response.rawHeaders[i].toLowerCase() !== 'warning') continue;
    const match = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(response.rawHeaders[i + 1]);
    warnings.push(match ? match[1].replace(/\\(.)/g, '$1') : response.rawHeaders[i + 1]);
  }
  return warnings;
}
