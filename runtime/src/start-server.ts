import type { Server as GrpcServer } from '@grpc/grpc-js';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { type ModelSource, ModelState } from './models/model';
import { createModelLoader } from './models/load-model';
import { type ModelEntry, ModelRepository } from './models/model-repository';
import { ModelStorage, type StorageOptions, redactUri } from './models/storage';
import { buildServer, type LogLevel } from './server/build-server';
import { bindGrpcServer, buildGrpcServer, shutdownGrpcServer } from './server/grpc/build-grpc-server';

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
   * gRPC port; 0 lets the OS pick a free one (read it back from `RunningServer.grpcPort`).
   * @default 8081 (KServe's and MLServer's default)
   */
  readonly grpcPort?: number;
  /**
   * Largest request body accepted, in bytes.
   * @default 64 MiB
   */
  readonly bodyLimitBytes?: number;
  /**
   * Largest gRPC message received or sent, in bytes.
   * @default 64 MiB
   */
  readonly grpcMaxMessageBytes?: number;
  /**
   * Folder (or URI) whose subfolders are models the repository extension can load by name.
   * @default - only models already known can be (re)loaded through the repository API
   */
  readonly modelRepository?: string;
  /**
   * Base URL of an explainer that v1 `:explain` calls are relayed to.
   * @default - no explainer: `:explain` answers 404
   */
  readonly explainerUrl?: string;
  /**
   * Level of the JSON log lines on stdout.
   * @default 'info'
   */
  readonly logLevel?: LogLevel;
  /**
   * How models are pulled from s3://, gs://, https:// and friends (cache folder, concurrency,
   * retries, CA bundle, archive limits); credentials and endpoints come from `storage.env`.
   * @default - the defaults of StorageOptions, reading process.env
   */
  readonly storage?: Omit<StorageOptions, 'logger'>;
}

/** A listening server, as returned by {@link startServer}. */
export interface RunningServer {
  /** The fastify instance, for `inject()` or adding routes. */
  readonly app: FastifyInstance;
  readonly repository: ModelRepository;
  /** The gRPC server beside the HTTP one, sharing its repository. */
  readonly grpc: GrpcServer;
  /** The port actually bound (useful with `httpPort: 0`). */
  readonly port: number;
  /** The gRPC port actually bound (useful with `grpcPort: 0`). */
  readonly grpcPort: number;
  /** `host:port` a gRPC client on this machine reaches the server at. */
  readonly grpcTarget: string;
  /** Base URL the server answers on, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Settles when every startup model is READY or UNAVAILABLE; resolves with their entries. */
  readonly modelsLoaded: Promise<ModelEntry[]>;
  /** Stops accepting connections, lets in-flight requests finish, then releases the models. */
  close(): Promise<void>;
}

/** The default port of KServe's and MLServer's model servers. */
export const DEFAULT_HTTP_PORT = 8080;

/** The default gRPC port of KServe's and MLServer's model servers. */
export const DEFAULT_GRPC_PORT = 8081;

/** How long in-flight gRPC calls may run on shutdown before they are cancelled. */
const GRPC_SHUTDOWN_GRACE_MS = 10_000;

/**
 * Starts the model server: listens first, so liveness answers while models load, then loads the
 * models concurrently. A model that fails to load is UNAVAILABLE (and the server not ready) but
 * does not stop the others from serving.
 *
 * @throws when the port cannot be bound.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  // Pull progress and retries go to the app's log; the app is built after the repository it serves.
  let app: FastifyInstance | undefined;
  const storage = new ModelStorage({
    ...options.storage,
    logger: { info: (fields, message) => app?.log.info(fields, message), warn: (fields, message) => app?.log.warn(fields, message) },
  });
  const repository = new ModelRepository(createModelLoader(storage));
  app = buildServer({
    repository,
    bodyLimitBytes: options.bodyLimitBytes,
    logLevel: options.logLevel ?? 'info',
    modelRepository: options.modelRepository,
    explainerUrl: options.explainerUrl,
  });
  const grpc = buildGrpcServer({ repository, modelRepository: options.modelRepository, maxMessageBytes: options.grpcMaxMessageBytes });
  repository.onStateChange((entry) => logModelState(app.log, entry));

  // Loading starts before listening: load() lists each model as LOADING synchronously, so
  // readiness can never answer 200 in the moment between listening and the first load.
  const modelsLoaded = repository.loadAll(options.models);
  const listenHost = options.host ?? '0.0.0.0';
  let grpcPort: number;
  try {
    await app.listen({ host: listenHost, port: options.httpPort ?? DEFAULT_HTTP_PORT });
    grpcPort = await bindGrpcServer(grpc, listenHost, options.grpcPort ?? DEFAULT_GRPC_PORT);
  } catch (error) {
    grpc.forceShutdown();
    await app.close();
    await modelsLoaded;
    await repository.unloadAll();
    throw error;
  }
  app.log.info({ grpcPort }, `gRPC listening on port ${grpcPort}`);
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error(`unexpected listen address ${address}`);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const reachableHost = host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;

  return {
    app,
    repository,
    grpc,
    port: address.port,
    grpcPort,
    grpcTarget: `${reachableHost}:${grpcPort}`,
    url: `http://${reachableHost}:${address.port}`,
    modelsLoaded,
    async close() {
      await Promise.all([app.close(), shutdownGrpcServer(grpc, GRPC_SHUTDOWN_GRACE_MS)]);
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
    log.error({ model: entry.name, uri: redactUri(entry.uri), reason: entry.reason }, `model '${entry.name}' failed to load`);
  }
}
