import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type RunningServer, type ServeOptions, startServer } from '../../../runtime/src';

/** Starts a real server on a free loopback port with the given models, waiting until they settled. */
export async function startTestServer(models: ServeOptions['models'], options: Partial<ServeOptions> = {}): Promise<RunningServer> {
  const server = await startServer({ models, host: '127.0.0.1', httpPort: 0, grpcPort: 0, logLevel: 'silent', ...options });
  await server.modelsLoaded;
  return server;
}

/** A response read fully: status, content type and parsed JSON body. */
export interface JsonResponse {
  status: number;
  contentType: string | null;
  body: unknown;
}

/** Sends a request with undici (Node's fetch) and parses the JSON answer. */
export async function request(server: RunningServer, method: string, urlPath: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const response = await fetch(`${server.url}${urlPath}`, { method, body, headers });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), body: JSON.parse(text) as unknown };
}

/**
 * POSTs a JSON value without a Content-Type header, the way tritonclient does (a Buffer body makes
 * fetch send none; a string body would be labelled text/plain).
 */
export function postJson(server: RunningServer, urlPath: string, value: unknown): Promise<JsonResponse> {
  return request(server, 'POST', urlPath, Buffer.from(JSON.stringify(value)));
}

/** A temporary folder with `model.onnx` holding `content`, for load-failure tests. */
export async function writeTempModel(content: string | Buffer): Promise<{ dir: string; file: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kfs-runtime-test-'));
  const file = path.join(dir, 'model.onnx');
  await writeFile(file, content);
  return { dir, file, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
