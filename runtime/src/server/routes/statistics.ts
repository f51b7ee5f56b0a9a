import type { FastifyInstance } from 'fastify';
import { modelStatisticsObject } from '../../codec/model-statistics';
import { ModelState } from '../../models/model';
import type { ModelRepository } from '../../models/model-repository';
import { findReadyModel, modelPaths, type ModelRouteParams } from '../model-lookup';

/**
 * The statistics extension: `GET /v2/models/stats` (every READY model) and
 * `GET /v2/models/{m}[/versions/{v}]/stats` (exactly one entry, which tritonclient's examples check).
 */
export function registerStatisticsRoutes(app: FastifyInstance, repository: ModelRepository): void {
  app.get('/v2/models/stats', async () => ({
    model_stats: repository
      .list()
      .filter((entry) => entry.state === ModelState.READY && entry.model !== undefined && entry.statistics !== undefined)
      .map((entry) => modelStatisticsObject(entry.name, entry.model!.version, entry.statistics!)),
  }));

  for (const path of modelPaths('/stats')) {
    app.get<{ Params: ModelRouteParams }>(path, async (request) => {
      const { model, statistics } = findReadyModel(repository, request.params);
      return { model_stats: [modelStatisticsObject(model.name, model.version, statistics)] };
    });
  }
}
