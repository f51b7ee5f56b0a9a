import type { FastifyInstance } from 'fastify';
import { modelConfig } from '../../codec/model-config';
import type { ModelRepository } from '../../models/model-repository';
import { RUNTIME_NAME, RUNTIME_VERSION } from '../../version';
import { findReadyModel, modelPaths, type ModelRouteParams } from '../model-lookup';
import { serverMetadata } from '../server-metadata';

/**
 * Server metadata (`GET /v2`), model metadata (`GET /v2/models/{m}[/versions/{v}]`) and the model
 * configuration extension (`GET /v2/models/{m}[/versions/{v}]/config`).
 */
export function registerMetadataRoutes(app: FastifyInstance, repository: ModelRepository): void {
  const metadata = serverMetadata(RUNTIME_NAME, RUNTIME_VERSION);
  // The spec text says /v2, its OpenAPI file says /v2/; clients use both.
  app.get('/v2', async () => metadata);
  app.get('/v2/', async () => metadata);

  for (const path of modelPaths('')) {
    app.get<{ Params: ModelRouteParams }>(path, async (request) => {
      const { model } = findReadyModel(repository, request.params);
      return {
        name: model.name,
        ...(model.version === undefined ? {} : { versions: [model.version] }),
        platform: model.platform,
        inputs: model.inputs,
        outputs: model.outputs,
      };
    });
  }

  for (const path of modelPaths('/config')) {
    app.get<{ Params: ModelRouteParams }>(path, async (request) => modelConfig(findReadyModel(repository, request.params).model));
  }
}
