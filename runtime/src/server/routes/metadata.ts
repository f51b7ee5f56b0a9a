import type { FastifyInstance } from 'fastify';
import type { ModelRepository } from '../../models/model-repository';
import { RUNTIME_NAME, RUNTIME_VERSION } from '../../version';
import { findReadyModel, modelPaths, type ModelRouteParams } from '../model-lookup';

/** Protocol extensions this build implements; listed in server metadata, so only add what works. */
export const SUPPORTED_EXTENSIONS: readonly string[] = [];

/** Server metadata (`GET /v2`) and model metadata (`GET /v2/models/{m}[/versions/{v}]`). */
export function registerMetadataRoutes(app: FastifyInstance, repository: ModelRepository): void {
  const serverMetadata = { name: RUNTIME_NAME, version: RUNTIME_VERSION, extensions: SUPPORTED_EXTENSIONS };
  // The spec text says /v2, its OpenAPI file says /v2/; clients use both.
  app.get('/v2', async () => serverMetadata);
  app.get('/v2/', async () => serverMetadata);

  for (const path of modelPaths('')) {
    app.get<{ Params: ModelRouteParams }>(path, async (request) => {
      const model = findReadyModel(repository, request.params);
      return {
        name: model.name,
        ...(model.version === undefined ? {} : { versions: [model.version] }),
        platform: model.platform,
        inputs: model.inputs,
        outputs: model.outputs,
      };
    });
  }
}
