import type { FastifyInstance } from 'fastify';
import type { RuntimeMetrics } from './runtime-metrics';

/**
 * The HTTP hook for what the inference path does not see: a v1 `:explain` call is relayed to the
 * explainer, so its duration (KServe's `request_explain_seconds`) is read when the reply is sent.
 */
export function registerHttpMetrics(app: FastifyInstance, metrics: RuntimeMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    // The cheap tests first: fastify's routeOptions getter builds an object on every read.
    const target = (request.params as { target?: unknown } | undefined)?.target;
    if (typeof target === 'string' && target.endsWith(':explain') && request.method === 'POST' && reply.statusCode === 200 && request.routeOptions.url === '/v1/models/:target') {
      metrics.explained(target.slice(0, -':explain'.length), reply.elapsedTime / 1000);
    }
    done();
  });
}
