import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PayloadLogger } from './payload-logger';

declare module 'fastify' {
  interface FastifyRequest {
    /** The CloudEvent id of a logged request; its response event reuses it. */
    payloadLogId?: string;
  }
}

const V2_INFER_ROUTES = new Set(['/v2/models/:model/infer', '/v2/models/:model/versions/:version/infer']);
const V1_ROUTE = '/v1/models/:target';

/** Inference endpoints only, as KServe's agent logs predict traffic and lets probes through. */
function isLogged(request: FastifyRequest): boolean {
  if (request.method !== 'POST') return false;
  const route = request.routeOptions.url;
  if (route === undefined) return false;
  if (V2_INFER_ROUTES.has(route)) return true;
  if (route !== V1_ROUTE) return false;
  const target = (request.params as { target?: string }).target ?? '';
  return target.endsWith(':predict') || target.endsWith(':explain');
}

/**
 * The HTTP side of request/response logging, as fastify hooks: the request body is queued as a
 * request event once it is read, the reply body as a response event when a 200 is sent (KServe
 * logs only 200 responses). The event id is the caller's `ce-id` header, else a new UUID, and the
 * same for both events. Queuing copies nothing and never waits for the sink.
 */
export function registerHttpPayloadLogging(app: FastifyInstance, logger: PayloadLogger): void {
  app.decorateRequest('payloadLogId', undefined);
  app.addHook('preHandler', (request, reply, done) => {
    if (isLogged(request)) {
      const given = request.headers['ce-id'];
      const id = typeof given === 'string' && given !== '' ? given : randomUUID();
      request.payloadLogId = id;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const arrived = new Date(Date.now() - reply.elapsedTime);
      logger.logRequest(id, arrived, request.headers['content-type'], body, logger.metadataOf((name) => request.headers[name]));
    }
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const id = request.payloadLogId;
    if (id !== undefined && reply.statusCode === 200 && logger.logsResponses) {
      const body = Buffer.isBuffer(payload) ? payload : typeof payload === 'string' ? Buffer.from(payload) : undefined;
      if (body !== undefined) {
        const contentType = reply.getHeader('content-type');
        logger.logResponse(id, typeof contentType === 'string' ? contentType : undefined, body, logger.metadataOf((name) => request.headers[name]));
      }
    }
    done(null, payload);
  });
}
