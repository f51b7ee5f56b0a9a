import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { ModelRepository } from '../models/model-repository';
import { handleError, handleNotFound } from './http-errors';
import { acceptAnyBodyAsBuffer } from './request-body';
import { registerHealthRoutes } from './routes/health';
import { registerInferRoutes } from './routes/infer';
import { registerMetadataRoutes } from './routes/metadata';

/** Triton's default `--http-max-input-size`; fastify's own default (1 MiB) is too small for tensors. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024 * 1024;

/** pino levels, plus `silent` for no output. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Options of {@link buildServer}. */
export interface ServerOptions {
  /** The models to serve; the server reads it on every request, so loads show up immediately. */
  readonly repository: ModelRepository;
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
 * Builds the HTTP server (v2 REST) without listening, so tests can use `inject()` or a real port.
 */
export function buildServer(options: ServerOptions): FastifyInstance {
  const logLevel = options.logLevel ?? 'silent';
  const app = Fastify({
    logger: logLevel === 'silent' ? false : { level: logLevel },
    // Two log lines per request would dominate the cost of a small inference; request logging
    // belongs to the payload-logging hook, not to fastify's defaults.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
  });
  acceptAnyBodyAsBuffer(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  registerHealthRoutes(app, options.repository);
  registerMetadataRoutes(app, options.repository);
  registerInferRoutes(app, options.repository);
  return app;
}
