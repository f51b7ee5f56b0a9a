import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorKind, InferenceServerError } from '../errors';
import { ExplainerUnreachableError } from './explainer-proxy';

/** Triton's documented HTTP mapping of server error kinds. */
const HTTP_STATUS: Readonly<Record<ErrorKind, number>> = {
  [ErrorKind.INVALID_ARG]: 400,
  [ErrorKind.NOT_FOUND]: 404,
  [ErrorKind.UNAVAILABLE]: 503,
  [ErrorKind.UNSUPPORTED]: 501,
  [ErrorKind.INTERNAL]: 500,
};

/** Sends the v2 error body, `{"error": "..."}`, which every v2 client knows how to read. */
export function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: message });
}

/**
 * Fastify error handler: server errors get their mapped status; fastify's own client errors (body
 * too large, bad headers) keep theirs; anything else is a bug, logged and answered with 500.
 */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof ExplainerUnreachableError) return sendError(reply, 502, error.message);
  if (error instanceof InferenceServerError) {
    if (error.kind === ErrorKind.INTERNAL) request.log.error({ err: error }, 'inference failed');
    return sendError(reply, HTTP_STATUS[error.kind], error.message);
  }
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return sendError(reply, status, error.message);
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendError(reply, 500, `internal error: ${error.message}`);
}

/** Unknown routes answer in the v2 error shape too, not fastify's default body. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, 404, `no such endpoint: ${request.method} ${request.url}`);
}
