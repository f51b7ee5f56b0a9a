import type { FastifyInstance } from 'fastify';
import { isJsonObject } from '../../codec/json-values';
import { invalidArgument } from '../../errors';
import type { RepositoryExtension } from '../repository-extension';
import { parseOptionalJsonBody } from '../request-body';

interface RepositoryModelParams {
  readonly model: string;
}

/**
 * The model repository extension over REST (Triton's paths):
 * `POST /v2/repository/index` (body optional, `{"ready": true}` filters), and
 * `POST /v2/repository/models/{m}/load|unload` (bodies optional; tritonclient sends
 * `{"parameters":{"unload_dependents":false}}` on unload, which has no meaning here).
 */
export function registerRepositoryRoutes(app: FastifyInstance, extension: RepositoryExtension): void {
  app.post('/v2/repository/index', async (request) => {
    const body = parseOptionalJsonBody(request.body) ?? {};
    if (!isJsonObject(body)) throw invalidArgument('repository index request must be a JSON object');
    if (body.ready !== undefined && typeof body.ready !== 'boolean') {
      throw invalidArgument("repository index request: 'ready' must be true or false");
    }
    return extension.index(body.ready === true);
  });

  app.post<{ Params: RepositoryModelParams }>('/v2/repository/models/:model/load', async (request, reply) => {
    const storageUri = checkLoadBody(parseOptionalJsonBody(request.body));
    await extension.load(request.params.model, storageUri);
    return reply.type('application/json; charset=utf-8').send('{}');
  });

  app.post<{ Params: RepositoryModelParams }>('/v2/repository/models/:model/unload', async (request, reply) => {
    checkParameters(parseOptionalJsonBody(request.body), 'unload');
    await extension.unload(request.params.model);
    return reply.type('application/json; charset=utf-8').send('{}');
  });
}

function checkParameters(body: unknown, action: string): Record<string, unknown> {
  if (body === undefined) return {};
  if (!isJsonObject(body)) throw invalidArgument(`${action} request must be a JSON object`);
  if (body.parameters !== undefined && !isJsonObject(body.parameters)) {
    throw invalidArgument(`${action} request: 'parameters' must be a JSON object`);
  }
  return (body.parameters as Record<string, unknown> | undefined) ?? {};
}

/**
 * Triton's load can override the config or upload files; models here come from storage only. Our
 * one load parameter, `storage_uri`, says where (the TrainedModel controller sends it).
 */
function checkLoadBody(body: unknown): string | undefined {
  const parameters = checkParameters(body, 'load');
  for (const key of Object.keys(parameters)) {
    if (key === 'config' || key.startsWith('file:')) {
      throw invalidArgument(`load parameter '${key}' is not supported: models are loaded from their storage location as they are`);
    }
  }
  const storageUri = parameters.storage_uri;
  if (storageUri !== undefined && (typeof storageUri !== 'string' || storageUri === '')) {
    throw invalidArgument("load parameter 'storage_uri' must be a non-empty string (the model's storage URI)");
  }
  return storageUri;
}
