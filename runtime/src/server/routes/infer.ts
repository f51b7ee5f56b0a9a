import type { FastifyInstance } from 'fastify';
import { decodeJsonInferRequest } from '../../codec/json-request';
import { encodeJsonInferResponse } from '../../codec/json-response';
import type { ModelRepository } from '../../models/model-repository';
import { findReadyModel, modelPaths, type ModelRouteParams } from '../model-lookup';
import { parseJsonBody } from '../request-body';

/** `POST /v2/models/{m}[/versions/{v}]/infer`: decode → model.infer → encode. */
export function registerInferRoutes(app: FastifyInstance, repository: ModelRepository): void {
  for (const path of modelPaths('/infer')) {
    app.post<{ Params: ModelRouteParams }>(path, async (request, reply) => {
      const model = findReadyModel(repository, request.params);
      const inferRequest = decodeJsonInferRequest(parseJsonBody(request.body), model);
      const outputs = await model.infer(inferRequest.inputs, inferRequest.outputNames);
      const body = encodeJsonInferResponse({
        modelName: model.name,
        modelVersion: model.version,
        ...(inferRequest.id === undefined ? {} : { id: inferRequest.id }),
        outputs,
      });
      return reply.type('application/json; charset=utf-8').send(body);
    });
  }
}
