import type { InferResponse } from './inference';
import { rawTensorBytes } from './raw-tensor-data';

/**
 * Encodes an inference response as a gRPC `ModelInferResponse`, always with
 * `raw_output_contents` (one entry per output, in output order): tritonclient's `as_numpy()` reads
 * only raw (or bytes) contents, and Triton itself always answers raw. Tensor memory is passed as
 * views, not copied, until protobuf serializes the message.
 */
export function encodeGrpcInferResponse(response: InferResponse) {
  return {
    model_name: response.modelName,
    model_version: response.modelVersion ?? '',
    id: response.id ?? '',
    outputs: response.outputs.map((output) => ({ name: output.name, datatype: output.datatype, shape: output.shape })),
    raw_output_contents: response.outputs.map((output) => rawTensorBytes(output.data)),
  };
}
