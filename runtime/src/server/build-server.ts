import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { PayloadLogger } from '../logging/payload-logger';
import { registerHttpPayloadLogging } from '../logging/http-payload-logging';
import { registerHttpMetrics } from '../metrics/http-metrics';
import type { RuntimeMetrics } from '../metrics/runtime-metrics';
import type { ModelRepository } from '../models/model-repository';
import { registerHttpTracing } from '../tracing/http-tracing';
import type { InferenceTracing } from '../tracing/tracing';
import { ExplainerProxy } from './explainer-proxy';
import { handleError, handleNotFound, sendError } from './http-errors';
import { RepositoryExtension } from './repository-extension';
import { ServerLifecycle } from './lifecycle';
import { acceptAnyBodyAsBuffer } from './request-body';
import { registerHealthRoutes } from './routes/health';
import { registerInferRoutes } from './routes/infer';
import { registerMetadataRoutes } from './routes/metadata';
import { registerRepositoryRoutes } from './routes/repository';
import { registerStatisticsRoutes } from './routes/statistics';
import { registerV1Routes } from './routes/v1';
import { InferencePipeline } from './run-inference';

/** Triton's default `--http-max-input-size`; fastify's own default (1 MiB) is too small for tensors. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024 * 1024;

/** How long a relayed `:explain` call may take; explainers (e.g. Anchors) are slow. */
export const DEFAULT_EXPLAINER_TIMEOUT_MS = 60_000;

/** pino levels, plus `silent` for no output. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Options of {@link buildServer}. */
export interface ServerOptions {
  /** The models to serve; the server reads it on every request, so loads show up immediately. */
  readonly repository: ModelRepository;
  /**
   * Folder (or URI) whose subfolders are models the repository extension can load by name.
   * @default - only models already known (given at startup or loaded before) can be (re)loaded
   */
  readonly modelRepository?: string;
  /**
   * Whether readiness waits for models loaded through the repository API (see RepositoryExtensionOptions).
   * @default - never
   */
  readonly repositoryLoadsRequired?: () => boolean;
  /**
   * Base URL of the explainer that v1 `:explain` calls are relayed to.
   * @default - no explainer: `:explain` answers 404
   */
  readonly explainerUrl?: string;
  /**
   * Time limit of a relayed `:explain` call, in milliseconds.
   * @default 60000
   */
  readonly explainerTimeoutMs?: number;
  /**
   * Largest request body accepted, in bytes; bigger bodies get 413.
   * @default 64 MiB (DEFAULT_BODY_LIMIT_BYTES)
   */
  readonly bodyLimitBytes?: number;
  /**
   * Level of the JSON log lines written to stdout.
   * @default 'silent'
   */
  readonly logLevel?: LogLevel;
  /**
   * The shared inference path (with its dynamic batchers), shared with the gRPC server.
   * @default - a pipeline without batching or observers
   */
  readonly pipeline?: InferencePipeline;
  /**
   * Draining state after SIGTERM, shared with the gRPC server.
   * @default - a lifecycle that never drains
   */
  readonly lifecycle?: ServerLifecycle;
  /** @default - no tracing */
  readonly tracing?: InferenceTracing;
  /** @default - no request/response logging */
  readonly payloadLogger?: PayloadLogger;
  /** @default - no metrics */
  readonly metrics?: RuntimeMetrics;
}

/**
 * Builds the HTTP server (v2 REST with its extensions, and v1) without listening, so tests can use
 * `inject()` or a real port.
 */
export function buildServer(options: ServerOptions): FastifyInstance {
  const logLevel = options.logLevel ?? 'silent';
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const app = Fastify({
    logger: logLevel === 'silent' ? false : { level: logLevel },
    // Two log lines per request would dominate the cost of a small inference; request logging
    // belongs to the payload-logging hook, not to fastify's defaults.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    // A request that arrives on an open connection while the server closes is still served (with
    // `Connection: close`): answering 503 would lose it after readiness already said "go elsewhere".
    return503OnClosing: false,
    routerOptions: {
      // Long enough for any real model name; longer path segments get 414 in the v2 error shape.
      maxParamLength: 1024,
    },
    // Router-level errors (over-long or undecodable URLs) answer in the v2 error shape too.
    frameworkErrors: (error, _request, reply) => {
      const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      void sendError(reply, status, error.message);
    },
  });
  acceptAnyBodyAsBuffer(app, bodyLimit);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  const lifecycle = options.lifecycle ?? new ServerLifecycle();
  const pipeline = options.pipeline ?? new InferencePipeline();
  // Tracing first, so the request span covers the other hooks as well.
  if (options.tracing !== undefined) registerHttpTracing(app, options.tracing);
  if (options.payloadLogger !== undefined) registerHttpPayloadLogging(app, options.payloadLogger);
  if (options.metrics !== undefined) registerHttpMetrics(app, options.metrics);
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (lifecycle.draining) reply.header('connection', 'close');
    done(null, payload);
  });
  registerHealthRoutes(app, options.repository, lifecycle);
  registerMetadataRoutes(app, options.repository);
  registerInferRoutes(app, options.repository, pipeline);
  registerStatisticsRoutes(app, options.repository);
  registerRepositoryRoutes(app, new RepositoryExtension(options.repository, options.modelRepository, { loadsRequired: options.repositoryLoadsRequired }));
  const explainer =
    options.explainerUrl === undefined
      ? undefined
      : new ExplainerProxy(options.explainerUrl, options.explainerTimeoutMs ?? DEFAULT_EXPLAINER_TIMEOUT_MS);
  registerV1Routes(app, options.repository, explainer, pipeline);
  return app;
}
