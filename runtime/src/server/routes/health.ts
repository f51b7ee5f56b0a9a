import type { FastifyInstance } from 'fastify';
import { ModelState } from '../../models/model';
import type { ModelRepository } from '../../models/model-repository';
import { sendError } from '../http-errors';
import type { ServerLifecycle } from '../lifecycle';
import { findModelEntry, modelNotReady, modelPaths, type ModelRouteParams } from '../model-lookup';

/**
 * Liveness, server readiness and model readiness. Bodies are small JSON objects rather than the
 * spec's empty body: KServe's client calls `.json()` on them, tritonclient only reads the status.
 */
export function registerHealthRoutes(app: FastifyInstance, repository: ModelRepository, lifecycle: ServerLifecycle): void {
  app.get('/v2/health/live', async () => ({ live: true }));

  // Triton's strict readiness: ready only when every startup model has loaded. Models loaded
  // later through the repository API do not count, so loading one never takes the pod out of service.
  app.get('/v2/health/ready', async (_request, reply) => {
    if (lifecycle.draining) return sendError(reply, 503, 'server is not ready: shutting down');
    const waiting = repository.requiredNotReady();
    if (waiting.length > 0) {
      const summary = waiting.map((entry) => `'${entry.name}' (${entry.state})`).join(', ');
      return sendError(reply, 503, `server is not ready: models not ready: ${summary}`);
    }
    return { ready: true };
  });

  for (const path of modelPaths('/ready')) {
    app.get<{ Params: ModelRouteParams }>(path, async (request) => {
      const entry = findModelEntry(repository, request.params);
      if (entry.state !== ModelState.READY) throw modelNotReady(entry);
      return { name: entry.name, ready: true };
    });
  }
}
