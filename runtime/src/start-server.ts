import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { type ModelSource, ModelState } from './models/model';
import { type ModelEntry, ModelRepository } from './models/model-repository';
import { buildServer, type LogLevel } from './server/build-server';

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** Models to load at startup; the server is ready once all of them are READY. */
  readonly models: readonly ModelSource[];
  /**
   * Address to listen on.
   * @default '0.0.0.0'
   */
  readonly host?: string;
  /**
   * HTTP port; 0 lets the OS pick a free one (read it back from `RunningServer.port`).
   * @default 8080 (KServe's and MLServer's default)
   */
  readonly httpPort?: number;
  /**
   * Largest request body accepted, in bytes.
   * @default 64 MiB
   */
  readonly bodyLimitBytes?: number;
  /**
   * Level of the JSON log lines on stdout.
   * @default 'info'
   */
  readonly logLevel?: LogLevel;
}

/** A listening server, as returned by {@link startServer}. */
export interface RunningServer {
  /** The fastify instance, for `inject()` or adding routes. */
  readonly app: FastifyInstance;
  readonly repository: ModelRepository;
  /** The port actually bound (useful with `httpPort: 0`). */
  readonly port: number;
  /** Base URL the server answers on, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Settles when every startup model is READY or UNAVAILABLE; resolves with their entries. */
  readonly modelsLoaded: Promise<ModelEntry[]>;
  /** Stops accepting connections, lets in-flight requests finish, then releases the models. */
  close(): Promise<void>;
}

/** The default port of KServe's and MLServer's model servers. */
export const DEFAULT_HTTP_PORT = 8080;

/**
 * Starts the model server: listens first, so liveness answers while models load, then loads the
 * models concurrently. A model that fails to load is UNAVAILABLE (and the server not ready) but
 * does not stop the others from serving.
 *
 * @throws when the port cannot be bound.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const repository = new ModelRepository();
  const app = buildServer({
    repository,
    bodyLimitBytes: options.bodyLimitBytes,
    logLevel: options.logLevel ?? 'info',
  });
  repository.onStateChange((entry) => logModelState(app.log, entry));

  try {
    await app.listen({ host: options.host ?? '0.0.0.0', port: options.httpPort ?? DEFAULT_HTTP_PORT });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error(`unexpected listen address ${address}`);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const reachableHost = host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;

  const modelsLoaded = repository.loadAll(options.models);
  return {
    app,
    repository,
    port: address.port,
    url: `http://${reachableHost}:${address.port}`,
    modelsLoaded,
    async close() {
      await app.close();
      // Let loads still in flight settle first, so no session is created after we release them.
      await modelsLoaded;
      await repository.unloadAll();
    },
  };
}

function logModelState(log: FastifyBaseLogger, entry: ModelEntry): void {
  if (entry.state === ModelState.READY && entry.model !== undefined) {
    log.info(
      { model: entry.name, version: entry.model.version, path: entry.model.path, loadMs: Math.round(entry.loadMs ?? 0) },
      `model '${entry.name}' loaded`,
    );
  } else if (entry.state === ModelState.UNAVAILABLE) {
    log.error({ model: entry.name, uri: entry.uri, reason: entry.reason }, `model '${entry.name}' failed to load`);
  }
}
