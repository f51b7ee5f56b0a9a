import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestTrace } from './request-trace';
import type { InferenceTracing } from './tracing';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's trace when tracing is on, the route is traced and the request sampled; routes hand it to the inference path. */
    trace?: RequestTrace;
  }
}

/** Probes are not worth a span each (MLServer and KServe leave them out as well). */
function isTraced(request: FastifyRequest): boolean {
  return !request.url.startsWith('/v2/health/');
}

/**
 * The HTTP side of tracing, as fastify hooks: a server span per request from the caller's
 * propagation headers, named after the route (`POST /v2/models/:model/infer`), ended with the
 * status code once the reply is sent. Server errors (5xx) mark the span failed.
 */
export function registerHttpTracing(app: FastifyInstance, tracing: InferenceTracing): void {
  app.decorateRequest('trace', undefined);
  app.addHook('onRequest', (request, _reply, done) => {
    if (isTraced(request)) {
      const path = request.url.split('?')[0]!;
      const route = request.routeOptions.url ?? path;
      const headers = request.headers;
      request.trace = tracing.startRequest((name) => headers[name], `${request.method} ${route}`, {
        'http.request.method': request.method,
        'http.route': route,
        'url.path': path,
      });
    }
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.trace !== undefined) {
      tracing.endRequest(request.trace, { 'http.response.status_code': reply.statusCode }, reply.statusCode >= 500 ? `HTTP ${reply.statusCode}` : undefined);
    }
    done();
  });
}
