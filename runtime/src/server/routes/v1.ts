import type { FastifyInstance, FastifyReply } from 'fastify';
import { decodeV1Request, type V1Request } from '../../codec/v1-request';
import { encodeV1Response } from '../../codec/v1-response';
import { ErrorKind, InferenceServerError } from '../../errors';
import { ModelState } from '../../models/model';
import type { ModelRepository } from '../../models/model-repository';
import type { RequestTrace } from '../../tracing/request-trace';
import type { ExplainerProxy } from '../explainer-proxy';
import { sendError } from '../http-errors';
import { findModelEntry, findReadyModel, modelNotReady } from '../model-lookup';
import { parseJsonBody } from '../request-body';
import type { InferencePipeline } from '../run-inference';

interface V1Params {
  readonly model: string;
}

/**
 * KServe's v1 protocol (TF-Serving style): `GET /v1/models`, `GET /v1/models/{m}`,
 * `POST /v1/models/{m}:predict` (row `instances` or columnar `inputs`) and
 * `POST /v1/models/{m}:explain`, relayed to the explainer when one is configured.
 * Errors use the same `{"error": "..."}` body and statuses as v2.
 */
export function registerV1Routes(app: FastifyInstance, repository: ModelRepository, explainer: ExplainerProxy | undefined, pipeline: InferencePipeline): void {
  app.get('/v1/models', async () => ({ models: repository.list().map((entry) => entry.name) }));

  app.get<{ Params: V1Params }>('/v1/models/:model', async (request) => {
    const entry = findModelEntry(repository, { model: request.params.model });
    if (entry.state !== ModelState.READY) throw modelNotReady(entry);
    return { name: entry.name, ready: true };
  });

  // `{m}:predict` is one path segment; fastify's router cannot tell two routes that differ only
  // after a parameter and a literal colon apart, so the verb is split off here.
  app.post<{ Params: { target: string } }>('/v1/models/:target', async (request, reply) => {
    const separator = request.params.target.lastIndexOf(':');
    const name = request.params.target.slice(0, separator);
    const verb = separator < 0 ? '' : request.params.target.slice(separator + 1);
    if (verb === 'predict') return predict(name, request.body, reply, request.trace);
    if (verb === 'explain') return explain(name, request.body, request.headers['content-type'], reply);
    return sendError(reply, 404, `no such endpoint: POST ${request.url}; use /v1/models/{model}:predict or :explain`);
  });

  async function predict(name: string, rawBody: unknown, reply: FastifyReply, trace: RequestTrace | undefined) {
    const ready = findReadyModel(repository, { model: name });
    const body = parseJsonBody(rawBody);
    let decoded: V1Request | undefined;
    const text = await pipeline.run(
      ready,
      (model) => {
        decoded = decodeV1Request(body, model);
        return decoded.infer;
      },
      (_request, outputs) => encodeV1Response(decoded!.format, decoded!.rows, outputs),
      trace,
    );
    return reply.type('application/json; charset=utf-8').send(text);
  }

  async function explain(name: string, rawBody: unknown, contentType: string | undefined, reply: FastifyReply) {
    if (explainer === undefined) {
      throw new InferenceServerError(
        ErrorKind.NOT_FOUND,
        `model '${name}' has no explainer: start kfs-runtime with --explainer-url to relay :explain calls`,
      );
    }
    findReadyModel(repository, { model: name });
    const body = Buffer.isBuffer(rawBody) ? rawBody : Buffer.alloc(0);
    const relayed = await explainer.explain(name, body, contentType);
    return reply.code(relayed.status).type(relayed.contentType).send(relayed.body);
  }
}
