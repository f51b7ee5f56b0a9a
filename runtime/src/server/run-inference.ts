import type { InferRequest } from '../codec/inference';
import type { Tensor } from '../codec/tensor';
import type { Model } from '../models/model';
import type { ReadyModel } from './model-lookup';

/**
 * The protocol-independent middle of every inference: decode → model.infer → encode, timed into
 * the model's statistics. REST (JSON or binary), gRPC and v1 differ only in their decode and
 * encode functions, so they share one path and one set of numbers.
 */
export async function runInference<Encoded>(
  { model, statistics }: ReadyModel,
  decode: (model: Model) => InferRequest,
  encode: (request: InferRequest, outputs: Tensor[]) => Encoded,
): Promise<Encoded> {
  const started = process.hrtime.bigint();
  try {
    const request = decode(model);
    const inputDecoded = process.hrtime.bigint();
    const outputs = await model.infer(request.inputs, request.outputNames);
    const inferred = process.hrtime.bigint();
    const encoded = encode(request, outputs);
    statistics.recordSuccess(batchSizeOf(model, request), { started, inputDecoded, inferred, outputEncoded: process.hrtime.bigint() });
    return encoded;
  } catch (error) {
    statistics.recordFailure(started, process.hrtime.bigint());
    throw error;
  }
}

/** Items in the request: the first dimension when the model's first input has a variable batch axis. */
function batchSizeOf(model: Model, request: InferRequest): number {
  const first = request.inputs[0];
  const declared = model.inputs.find((input) => input.name === first?.name);
  return declared?.shape[0] === -1 && first !== undefined && first.shape.length > 0 ? (first.shape[0] ?? 1) : 1;
}
