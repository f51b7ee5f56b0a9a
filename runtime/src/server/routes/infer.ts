import type { FastifyInstance } from 'fastify';
import { BinaryLayoutCache } from '../../codec/binary-layout-cache';
import { decodeRestInferRequest } from '../../codec/binary-request';
import { encodeRestInferResponse } from '../../codec/binary-response';
import { invalidArgument } from '../../errors';
import type { ModelRepository } from '../../models/model-repository';
import { findReadyModel, modelPaths, type ModelRouteParams } from '../model-lookup';
import type { InferencePipeline } from '../run-inference';

/** The binary tensor data extension's header: the JSON part's byte length. */
export const INFERENCE_HEADER_CONTENT_LENGTH = 'inference-header-content-length';

/**
 * `POST /v2/models/{m}[/versions/{v}]/infer`: JSON or binary-extension body → decode → model.infer
 * → encode (binary sections for the outputs asked for in binary) → reply.
 */
export function registerInferRoutes(app: FastifyInstance, repository: ModelRepository, pipeline: InferencePipeline): void {
  const layouts = new BinaryLayoutCache();
  for (const path of modelPaths('/infer')) {
    app.post<{ Params: ModelRouteParams }>(path, async (request, reply) => {
      const ready = findReadyModel(repository, request.params);
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw invalidArgument('request body is empty; expected a JSON inference request');
      const headerLength = request.headers[INFERENCE_HEADER_CONTENT_LENGTH];
      const encoded = await pipeline.run(
        ready,
        (model) => decodeRestInferRequest(body, Array.isArray(headerLength) ? headerLength[0] : headerLength, model, layouts),
        (inferRequest, outputs) =>
          encodeRestInferResponse(
            {
              modelName: ready.model.name,
              modelVersion: ready.model.version,
              ...(inferRequest.id === undefined ? {} : { id: inferRequest.id }),
              outputs,
            },
            inferRequest.binaryOutputNames,
          ),
        request.trace,
      );
      if (encoded.inferenceHeaderContentLength !== undefined) {
        reply.header(INFERENCE_HEADER_CONTENT_LENGTH, encoded.inferenceHeaderContentLength);
      }
      return reply.type(encoded.contentType).send(encoded.body);
    });
  }
}
