import type { Server as HttpServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { BatchingOptions } from './batching/batching-options';
import type { PayloadLogger, PayloadLoggerEvents } from './logging/payload-logger';
import type { PayloadLoggingOptions } from './logging/payload-logging-options';
import { startMetricsServer } from './metrics/metrics-server';
import { type DropReason, RuntimeMetrics } from './metrics/runtime-metrics';
import { createModelLoader } from './models/load-model';
import { type ModelSource, ModelState } from './models/model';
import { readModelConfigFile } from './models/model-config-file';
import { type ModelEntry, ModelRepository, UNLOADED_REASON } from './models/model-repository';
import { ModelStorage, type StorageOptions, redactUri } from './models/storage';
import type { SessionOptions } from './models/session-options';
import { buildServer, type LogLevel } from './server/build-server';
import { GrpcListener } from './server/grpc/grpc-listener';
import type { InferenceObserver } from './server/inference-observer';
import { ServerLifecycle } from './server/lifecycle';
import { ThrottledTally, ThrottledWarning } from './server/throttled-log';
import { InferencePipeline } from './server/run-inference';
import type { InferenceTracing } from './tracing/tracing';
import type { SpanDropReason, SpanExportEvents } from './tracing/otlp/otlp-span-exporter';
import type { TracingOptions } from './tracing/tracing-options';

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
   * Multi-model mode: KServe's `models.json` (the TrainedModel list the controller writes into the
   * InferenceService's model-config ConfigMap). Its models load at startup like `models`, and until
   * they have all settled, models loaded through the repository API count for readiness too, so a
   * starting replica reports ready only with every model it was given. A model that fails to load
   * stops counting (the controller retries it and reports the failure). A missing file means none.
   * @default - no model config
   */
  readonly modelConfigFile?: string;
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
  /**
   * Dynamic batching of every model's requests; models whose first dimension is fixed then fail
   * to load, with the reason.
   * @default - no batching
   */
  readonly batching?: BatchingOptions;
  /**
   * Execution provider and threading of the onnxruntime sessions.
   * @default - CPU, onnxruntime's default threading
   */
  readonly session?: SessionOptions;
  /**
   * Port of the Prometheus `/metrics` server; 0 picks a free one (read it back from
   * `RunningServer.metricsPort`).
   * @default - no metrics (the `kfs-runtime serve` command's default is 8082)
   */
  readonly metricsPort?: number;
  /**
   * CloudEvents request/response logging to a sink.
   * @default - no logging
   */
  readonly payloadLogging?: PayloadLoggingOptions;
  /**
   * OpenTelemetry tracing with OTLP export.
   * @default - no tracing: no hooks, no interceptors, no cost
   */
  readonly tracing?: TracingOptions;
}

/** How {@link RunningServer.shutdown} stops the server. */
export interface ShutdownOptions {
  /**
   * How long requests are still served, with readiness failing, before connections are refused:
   * time for Kubernetes to take the pod out of its Services' endpoints.
   */
  readonly drainMs: number;
  /**
   * The time from the start of shutdown by which everything must be closed; what is still open
   * then is cut off. Keep it below the pod's termination grace period (30 s by default).
   */
  readonly timeoutMs: number;
}

/** A listening server, as returned by {@link startServer}. */
export interface RunningServer {
  /** The fastify instance, for `inject()` or adding routes. */
  readonly app: FastifyInstance;
  readonly repository: ModelRepository;
  /**
   * The gRPC port's listener. The gRPC server behind it, sharing the HTTP server's repository, is
   * loaded on the port's first connection.
   */
  readonly grpc: GrpcListener;
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
  /** The metrics port actually bound, when metrics are on. */
  readonly metricsPort?: number;
  /** The request logger, when logging is on (its queue depth is what tests and metrics read). */
  readonly payloadLogger?: PayloadLogger;
  /** Tracing, when on. */
  readonly tracing?: InferenceTracing;
  /** Stops accepting connections, lets in-flight requests finish, then releases the models. */
  close(): Promise<void>;
  /**
   * The SIGTERM sequence: readiness fails at once while requests are still served for `drainMs`;
   * then new connections are refused, in-flight requests and batches finish, the request logger
   * delivers its queue and the spans are exported, all within `timeoutMs`. Resolves with false
   * when something had to be cut off at the deadline.
   */
  shutdown(options: ShutdownOptions): Promise<boolean>;
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
  const metrics = options.metricsPort === undefined ? undefined : new RuntimeMetrics();
  // Loaded only when asked for: with tracing off, its code is never even required.
  // The app (and its log) is built after tracing, which its hooks need.
  let app: FastifyInstance | undefined;
  const tracing = options.tracing === undefined ? undefined : new (await import('./tracing/tracing')).InferenceTracing(options.tracing, tracingEvents(() => app?.log, metrics));
  const observers: InferenceObserver[] = [...(metrics ? [metrics] : []), ...(tracing ? [tracing] : [])];
  const pipeline = new InferencePipeline({ batching: options.batching, observers });
  const lifecycle = new ServerLifecycle();
  // Pull progress and retries go to the app's log; the app is built after the repository it serves.
  const storage = new ModelStorage({
    ...options.storage,
    logger: { info: (fields, message) => app?.log.info(fields, message), warn: (fields, message) => app?.log.warn(fields, message) },
  });
  const repository = new ModelRepository(
    createModelLoader(storage, {
      session: options.session,
      batched: options.batching !== undefined,
      onFallback: (name, message) => app?.log.warn({ model: name }, `model '${name}': ${message}`),
    }),
  );
  // Loaded only when asked for, like tracing: its HTTPS client would otherwise load node:tls at every start.
  const payloadLogger = options.payloadLogging === undefined ? undefined : new (await import('./logging/payload-logger')).PayloadLogger(options.payloadLogging, loggerEvents(() => app?.log, metrics));
  if (payloadLogger !== undefined) metrics?.trackLoggerQueue(() => payloadLogger.depth);
  const configModels = options.modelConfigFile === undefined ? [] : await readModelConfigFile(options.modelConfigFile);
  let startupSettled = false;
  app = buildServer({
    repository,
    ...(options.modelConfigFile === undefined ? {} : { repositoryLoadsRequired: () => !startupSettled }),
    bodyLimitBytes: options.bodyLimitBytes,
    logLevel: options.logLevel ?? 'info',
    modelRepository: options.modelRepository,
    explainerUrl: options.explainerUrl,
    pipeline,
    lifecycle,
    tracing,
    payloadLogger,
    metrics,
  });
  const log = app.log;
  repository.onStateChange((entry) => logModelState(log, entry));
  if (metrics !== undefined) repository.onStateChange((entry) => metrics.modelStateChanged(entry));

  // Loading starts before listening: load() lists each model as LOADING synchronously, so
  // readiness can never answer 200 in the moment between listening and the first load.
  const modelsLoaded = Promise.all([repository.loadAll(options.models), loadConfiguredModels(repository, configModels)]).then(([given, configured]) => {
    startupSettled = true;
    return [...given, ...configured];
  });
  if (options.modelConfigFile !== undefined) {
    app.log.info({ modelConfig: options.modelConfigFile, models: configModels.map((model) => model.name) }, `loading ${configModels.length} models from the model config`);
  }
  const listenHost = options.host ?? '0.0.0.0';
  let grpc: GrpcListener | undefined;
  let metricsServer: { server: HttpServer; port: number } | undefined;
  try {
    await app.listen({ host: listenHost, port: options.httpPort ?? DEFAULT_HTTP_PORT });
    grpc = await GrpcListener.listen({
      host: listenHost,
      port: options.grpcPort ?? DEFAULT_GRPC_PORT,
      // On the first gRPC connection: a server whose clients speak REST never loads the gRPC stack.
      load: async () => {
        const started = performance.now();
        const { createGrpcStack } = await import('./server/grpc/grpc-stack');
        const stack = createGrpcStack({ repository, modelRepository: options.modelRepository, maxMessageBytes: options.grpcMaxMessageBytes, pipeline, lifecycle, tracing, payloadLogger });
        log.info({ loadMs: Math.round(performance.now() - started) }, 'gRPC server loaded for the first connection');
        return stack;
      },
      onLoadError: (error) => log.error({ err: error }, 'the gRPC server could not be loaded; closing the connections waiting for it'),
    });
    if (metrics !== undefined) metricsServer = await startMetricsServer(metrics, listenHost, options.metricsPort!);
  } catch (error) {
    grpc?.forceShutdown();
    await app.close();
    await modelsLoaded;
    await repository.unloadAll();
    await tracing?.shutdown();
    throw error;
  }
  if (metricsServer !== undefined) app.log.info({ metricsPort: metricsServer.port }, `metrics on port ${metricsServer.port}`);
  const grpcListener = grpc;
  const grpcPort = grpcListener.port;
  app.log.info({ grpcPort }, `gRPC listening on port ${grpcPort}`);
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error(`unexpected listen address ${address}`);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const reachableHost = host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;

  const http = app;
  /** Closes everything, cutting off what is still open when `deadline` (epoch ms) passes. */
  const closeBy = async (deadline: number): Promise<boolean> => {
    let cutOff = false;
    const remaining = () => Math.max(0, deadline - Date.now());
    const cutOffTimer = setTimeout(() => {
      cutOff = true;
      http.server.closeAllConnections();
    }, remaining());
    // Requests waiting for a batch run now rather than when their timer fires.
    pipeline.flushBatches();
    await Promise.all([http.close(), grpcListener.shutdown(Math.min(remaining(), GRPC_SHUTDOWN_GRACE_MS))]);
    clearTimeout(cutOffTimer);
    await payloadLogger?.close(remaining());
    if (tracing !== undefined) await settledWithin(tracing.shutdown(), remaining());
    if (metricsServer !== undefined) {
      const server = metricsServer.server;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    // Let loads still in flight settle first, so no session is created after we release them.
    await modelsLoaded;
    await repository.unloadAll();
    return !cutOff && Date.now() <= deadline;
  };

  return {
    app,
    repository,
    grpc: grpcListener,
    port: address.port,
    grpcPort,
    grpcTarget: `${reachableHost}:${grpcPort}`,
    url: `http://${reachableHost}:${address.port}`,
    modelsLoaded,
    ...(metricsServer === undefined ? {} : { metricsPort: metricsServer.port }),
    ...(payloadLogger === undefined ? {} : { payloadLogger }),
    ...(tracing === undefined ? {} : { tracing }),
    async close() {
      await closeBy(Date.now() + GRPC_SHUTDOWN_GRACE_MS);
    },
    async shutdown({ drainMs, timeoutMs }) {
      const deadline = Date.now() + timeoutMs;
      lifecycle.startDraining();
      await sleep(drainMs);
      return closeBy(deadline);
    },
  };
}

/** Waits for `promise`, but no longer than `ms` (and leaves no timer behind). */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * How a background sender (the request logger, the span exporter) reports what it lost: each drop
 * goes to its counter exactly and, summed up by reason, to the log, so drops are never silent even
 * with metrics off; failures go to the log. At most one line a second of each.
 */
function lossReports<Reason extends string>(
  count: ((reason: Reason, dropped: number) => void) | undefined,
  logDrops: (dropped: Partial<Record<Reason, number>>) => void,
  logProblem: (message: string, suppressed: number) => void,
): { dropped(reason: Reason, count: number): void; problem(message: string): void } {
  const drops = new ThrottledTally<Reason>(logDrops);
  const problems = new ThrottledWarning(logProblem);
  return {
    dropped: (reason, dropped) => {
      count?.(reason, dropped);
      drops.add(reason, dropped);
    },
    problem: (message) => problems.warn(message),
  };
}

/** The request logger's drops and failed sends (see lossReports). */
function loggerEvents(log: () => FastifyBaseLogger | undefined, metrics: RuntimeMetrics | undefined): PayloadLoggerEvents {
  const reports = lossReports<DropReason>(
    metrics && ((reason, count) => metrics.loggerDropped(reason, count)),
    (dropped) => log()?.warn({ dropped }, 'request logger dropped events'),
    (message, suppressed) => log()?.warn({ suppressed }, `request logger: ${message}`),
  );
  return { dropped: reports.dropped, failed: reports.problem };
}

/** Tracing's dropped spans and failed exports (see lossReports). */
function tracingEvents(log: () => FastifyBaseLogger | undefined, metrics: RuntimeMetrics | undefined): SpanExportEvents {
  const reports = lossReports<SpanDropReason>(
    metrics && ((reason, count) => metrics.tracingSpansDropped(reason, count)),
    (dropped) => log()?.warn({ droppedSpans: dropped }, 'tracing dropped spans'),
    (message, suppressed) => log()?.warn({ suppressed }, `tracing: ${message}`),
  );
  return { spansDropped: reports.dropped, problem: reports.problem };
}

/** Model-config models are awaited until they settle: a failed one stops holding readiness back. */
function loadConfiguredModels(repository: ModelRepository, models: readonly ModelSource[]): Promise<ModelEntry[]> {
  return Promise.all(
    models.map(async (model) => {
      const settled = await repository.load(model.name, model.uri);
      if (settled.state !== ModelState.READY) repository.stopRequiring(model.name);
      return settled;
    }),
  );
}

function logModelState(log: FastifyBaseLogger, entry: ModelEntry): void {
  if (entry.state === ModelState.READY && entry.model !== undefined) {
    log.info(
      { model: entry.name, version: entry.model.version, path: entry.model.path, loadMs: Math.round(entry.loadMs ?? 0) },
      `model '${entry.name}' loaded`,
    );
  } else if (entry.state === ModelState.UNAVAILABLE && entry.reason === UNLOADED_REASON) {
    log.info({ model: entry.name, uri: redactUri(entry.uri) }, `model '${entry.name}' unloaded`);
  } else if (entry.state === ModelState.UNAVAILABLE) {
    log.error({ model: entry.name, uri: redactUri(entry.uri), reason: entry.reason }, `model '${entry.name}' failed to load`);
  }
}
