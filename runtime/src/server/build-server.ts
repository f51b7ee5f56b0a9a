import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { ModelRepository } from '../models/model-repository';
import { ExplainerProxy } from './explainer-proxy';
import { handleError, handleNotFound, sendError } from './http-errors';
import { RepositoryExtension } from './repository-extension';
import { acceptAnyBodyAsBuffer } from './request-body';
import { registerHealthRoutes } from './routes/health';
import { registerInferRoutes } from './routes/infer';
import { registerMetadataRoutes } from './routes/metadata';
import { registerRepositoryRoutes } from './routes/repository';
import { registerStatisticsRoutes } from './routes/statistics';
import { registerV1Routes } from './routes/v1';

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
  registerHealthRoutes(app, options.repository);
  registerMetadataRoutes(app, options.repository);
  registerInferRoutes(app, options.repository);
  registerStatisticsRoutes(app, options.repository);
  registerRepositoryRoutes(app, new RepositoryExtension(options.repository, options.modelRepository));
  const explainer =
    options.explainerUrl === undefined
      ? undefined
      : new ExplainerProxy(options.explainerUrl, options.explainerTimeoutMs ?? DEFAULT_EXPLAINER_TIMEOUT_MS);
  registerV1Routes(app, options.repository, explainer);
  return app;
}
