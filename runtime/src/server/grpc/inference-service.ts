import type * as grpc from '@grpc/grpc-js';
import { decodeGrpcInferRequest, type GrpcModelInferRequest } from '../../codec/grpc-request';
import { encodeGrpcInferResponse } from '../../codec/grpc-response';
import { modelConfig } from '../../codec/model-config';
import { modelStatisticsObject } from '../../codec/model-statistics';
import { ModelState } from '../../models/model';
import type { ModelRepository } from '../../models/model-repository';
import { RUNTIME_NAME, RUNTIME_VERSION } from '../../version';
import { findModelEntry, findReadyModel, type ModelRouteParams } from '../model-lookup';
import type { RepositoryExtension } from '../repository-extension';
import type { ServerLifecycle } from '../lifecycle';
import type { InferencePipeline } from '../run-inference';
import { traceOf } from './call-context';
import { serverMetadata } from '../server-metadata';
import { toGrpcError } from './grpc-errors';

interface NameVersion {
  readonly name: string;
  readonly version: string;
}

/**
 * Wraps an async handler as a grpc-js unary handler: the resolved value is the response, a thrown
 * InferenceServerError becomes its gRPC status with the message as details.
 */
function unary<Request, Response>(handler: (request: Request) => Promise<Response> | Response): grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    let result: Promise<Response>;
    try {
      result = Promise.resolve(handler(call.request));
    } catch (error) {
      callback(toGrpcError(error));
      return;
    }
    result.then(
      (response) => callback(null, response),
      (error: unknown) => callback(toGrpcError(error)),
    );
  };
}

function params({ name, version }: NameVersion): ModelRouteParams {
  return { model: name, version };
}

/**
 * `inference.GRPCInferenceService`: the same repository, inference path and error kinds as the REST
 * routes, in Triton's message layout (which tritonclient and KServe's gRPC client both speak).
 * Shared-memory, trace and log RPCs are left to grpc-js, which answers UNIMPLEMENTED.
 */
export function inferenceServiceHandlers(
  repository: ModelRepository,
  extension: RepositoryExtension,
  pipeline: InferencePipeline,
  lifecycle: ServerLifecycle,
): grpc.UntypedServiceImplementation {
  const infer = (request: GrpcModelInferRequest) => {
    const ready = findReadyModel(repository, { model: request.model_name, version: request.model_version });
    return pipeline.run(
      ready,
      (model) => decodeGrpcInferRequest(request, model),
      (inferRequest, outputs) =>
        encodeGrpcInferResponse({
          modelName: ready.model.name,
          modelVersion: ready.model.version,
          ...(inferRequest.id === undefined ? {} : { id: inferRequest.id }),
          outputs,
        }),
      traceOf(request),
    );
  };

  return {
    ServerLive: unary(() => ({ live: true })),
    ServerReady: unary(() => ({ ready: !lifecycle.draining && repository.requiredNotReady().length === 0 })),
    ModelReady: unary((request: NameVersion) => ({ ready: findModelEntry(repository, params(request)).state === ModelState.READY })),
    ServerMetadata: unary(() => serverMetadata(RUNTIME_NAME, RUNTIME_VERSION)),
    ModelMetadata: unary((request: NameVersion) => {
      const { model } = findReadyModel(repository, params(request));
      return {
        name: model.name,
        versions: model.version === undefined ? [] : [model.version],
        platform: model.platform,
        inputs: model.inputs,
        outputs: model.outputs,
      };
    }),
    ModelInfer: unary(infer),
    ModelStreamInfer: (call: grpc.ServerDuplexStream<GrpcModelInferRequest, unknown>) => {
      // Triton's stream: one ModelStreamInferResponse per request, in request order, errors in-band.
      let previous: Promise<unknown> = Promise.resolve();
      call.on('data', (request: GrpcModelInferRequest) => {
        const answer = (async () => {
          try {
            return { error_message: '', infer_response: await infer(request) };
          } catch (error) {
            return { error_message: toGrpcError(error).details ?? String(error), infer_response: null };
          }
        })();
        previous = previous.then(async () => call.write(await answer));
      });
      call.on('end', () => void previous.then(() => call.end()));
    },
    ModelConfig: unary((request: NameVersion) => ({ config: modelConfig(findReadyModel(repository, params(request)).model) })),
    ModelStatistics: unary((request: NameVersion) => {
      if (request.name === '') {
        return {
          model_stats: repository
            .list()
            .filter((entry) => entry.state === ModelState.READY && entry.model !== undefined && entry.statistics !== undefined)
            .map((entry) => modelStatisticsObject(entry.name, entry.model!.version, entry.statistics!)),
        };
      }
      const { model, statistics } = findReadyModel(repository, params(request));
      return { model_stats: [modelStatisticsObject(model.name, model.version, statistics)] };
    }),
    RepositoryIndex: unary(async (request: { ready: boolean }) => ({
      models: (await extension.index(request.ready)).map((row) => ({ name: row.name, version: row.version ?? '', state: row.state, reason: row.reason })),
    })),
    RepositoryModelLoad: unary(async (request: { model_name: string }) => {
      await extension.load(request.model_name);
      return {};
    }),
    RepositoryModelUnload: unary(async (request: { model_name: string }) => {
      await extension.unload(request.model_name);
      return {};
    }),
  };
}

/** `grpc.health.v1.Health/Check`, for Kubernetes gRPC probes: SERVING once the server is ready. */
export function healthServiceHandlers(repository: ModelRepository, lifecycle: ServerLifecycle): grpc.UntypedServiceImplementation {
  return {
    Check: unary(() => ({ status: !lifecycle.draining && repository.requiredNotReady().length === 0 ? 'SERVING' : 'NOT_SERVING' })),
  };
}
