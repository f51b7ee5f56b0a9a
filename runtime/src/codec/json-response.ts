import { invalidArgument } from '../errors';
import { DATATYPES } from './datatypes';
import type { InferResponse } from './inference';
import type { Tensor } from './tensor';

/**
 * Encodes an inference response as v2 JSON text (`$inference_response`).
 *
 * Written by hand rather than with JSON.stringify: typed arrays join straight into JSON number
 * syntax without an intermediate Array, and 64-bit integers (BigInt arrays, which JSON.stringify
 * refuses) print with all their digits, so values beyond 2^53 are exact on the wire.
 *
 * Outputs named in `binarySizes` are written without `data`, with `parameters.binary_data_size`
 * instead; their bytes follow the JSON (see binary-response.ts).
 *
 * @throws InferenceServerError (INVALID_ARG) for JSON outputs with no JSON form (FP16, BF16).
 */
export function encodeJsonInferResponse(response: InferResponse, binarySizes?: ReadonlyMap<string, number>): string {
  let json = `{"model_name":${JSON.stringify(response.modelName)}`;
  if (response.modelVersion !== undefined) json += `,"model_version":${JSON.stringify(response.modelVersion)}`;
  if (response.id !== undefined) json += `,"id":${JSON.stringify(response.id)}`;
  json += ',"outputs":[';
  response.outputs.forEach((output, position) => {
    if (position > 0) json += ',';
    const binarySize = binarySizes?.get(output.name);
    json += binarySize === undefined ? encodeOutput(output) : encodeBinaryOutput(output, binarySize);
  });
  return `${json}]}`;
}

function encodeOutput(output: Tensor): string {
  return (
    `{"name":${JSON.stringify(output.name)},"datatype":"${output.datatype}",` +
    `"shape":[${output.shape.join(',')}],"data":[${encodeData(output)}]}`
  );
}

/** An output whose elements travel in a binary section after the JSON (binary tensor data extension). */
function encodeBinaryOutput(output: Tensor, binarySize: number): string {
  return (
    `{"name":${JSON.stringify(output.name)},"datatype":"${output.datatype}",` +
    `"shape":[${output.shape.join(',')}],"parameters":{"binary_data_size":${binarySize}}}`
  );
}

function encodeData(output: Tensor): string {
  const { data } = output;
  switch (DATATYPES[output.datatype].json) {
    case 'float':
      return encodeFloats(data as Float32Array | Float64Array);
    case 'integer':
    case 'bigint':
      // Number and BigInt toString are exactly JSON's integer syntax.
      return (data as Exclude<typeof data, string[]>).join(',');
    case 'boolean':
      return Array.from(data as Uint8Array, (byte) => (byte === 0 ? 'false' : 'true')).join(',');
    case 'string':
      return (data as string[]).map((text) => JSON.stringify(text)).join(',');
    case 'none':
      throw invalidArgument(
        `output '${output.name}' has datatype ${output.datatype}, which cannot be returned as JSON data; request it with parameters.binary_data=true`,
      );
  }
}

/**
 * JSON has no NaN or Infinity. A model that produces them still gets its response delivered, with
 * `null` in their place (what JSON.stringify does), rather than an error that hides the other values.
 */
function encodeFloats(values: Float32Array | Float64Array): string {
  for (let index = 0; index < values.length; index++) {
    if (!Number.isFinite(values[index])) {
      return Array.from(values, (value) => (Number.isFinite(value) ? String(value) : 'null')).join(',');
    }
  }
  return values.join(',');
}
