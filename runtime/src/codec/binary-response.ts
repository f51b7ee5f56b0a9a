import type { InferResponse } from './inference';
import { encodeJsonInferResponse } from './json-response';
import { rawTensorBytes } from './raw-tensor-data';

/** An HTTP inference response body and the headers that tell the client how to read it. */
export interface RestInferResponseBody {
  readonly contentType: string;
  /** Byte length of the JSON header; present exactly when some output is binary. */
  readonly inferenceHeaderContentLength?: number;
  readonly body: Buffer | string;
}

/**
 * Encodes an inference response for HTTP. Outputs in `binaryOutputNames` go out as binary sections
 * after the JSON header, in the order of the response's `outputs` (which is what clients follow),
 * with `parameters.binary_data_size` in place of `data`; then the response is
 * `application/octet-stream` with `Inference-Header-Content-Length`, the only signal tritonclient
 * reads. Without binary outputs it is the plain JSON response.
 */
export function encodeRestInferResponse(response: InferResponse, binaryOutputNames: ReadonlySet<string>): RestInferResponseBody {
  if (binaryOutputNames.size === 0) {
    return { contentType: 'application/json; charset=utf-8', body: encodeJsonInferResponse(response) };
  }
  const sections: Buffer[] = [];
  const binarySizes = new Map<string, number>();
  for (const output of response.outputs) {
    if (!binaryOutputNames.has(output.name)) continue;
    const bytes = rawTensorBytes(output.data);
    sections.push(bytes);
    binarySizes.set(output.name, bytes.byteLength);
  }
  const header = Buffer.from(encodeJsonInferResponse(response, binarySizes), 'utf8');
  return {
    contentType: 'application/octet-stream',
    inferenceHeaderContentLength: header.byteLength,
    body: Buffer.concat([header, ...sections]),
  };
}
