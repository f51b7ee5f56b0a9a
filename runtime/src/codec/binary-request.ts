import { invalidArgument } from '../errors';
import type { BinaryLayoutCache } from './binary-layout-cache';
import { decodeWithLayout, describeBinaryRequest } from './binary-request-layout';
import type { InferRequest } from './inference';
import { decodeJsonInferRequest } from './json-request';
import type { ModelSignature } from './tensor';

/**
 * Decodes an HTTP inference request body: plain JSON, or, when the client sent
 * `Inference-Header-Content-Length` (the binary tensor data extension), that many bytes of JSON
 * followed by the binary sections of the inputs that declare `binary_data_size`.
 * The tensor bytes are handed to the typed-tensor decoder as views; they never pass through JSON.
 *
 * With `layouts`, a header seen before (same text, same model, binary sections of the same total
 * length) is not parsed or checked again; any other body takes the full path, so every error is
 * the one a first decode gives.
 *
 * @param headerLength the raw `Inference-Header-Content-Length` header value, if any.
 * @throws InferenceServerError (INVALID_ARG) for a bad header length, malformed JSON, or a request
 * that does not fit the model.
 */
export function decodeRestInferRequest(body: Buffer, headerLength: string | undefined, model: ModelSignature, layouts?: BinaryLayoutCache): InferRequest {
  if (headerLength === undefined) return decodeJsonInferRequest(parseJson(body, body.length), model);
  const jsonLength = parseHeaderLength(headerLength, body.length);
  const binary = body.subarray(jsonLength);
  const text = body.toString('utf8', 0, jsonLength);
  const known = layouts?.get(model, text);
  if (known !== undefined && known.binaryLength === binary.byteLength) return decodeWithLayout(known, binary);
  const header = parseJsonText(text);
  const request = decodeJsonInferRequest(header, model, binary);
  if (layouts !== undefined) {
    const layout = describeBinaryRequest(header, request);
    if (layout !== undefined) layouts.set(model, text, layout);
  }
  return request;
}

function parseHeaderLength(value: string, bodyLength: number): number {
  const length = /^\d{1,15}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (Number.isNaN(length)) {
    throw invalidArgument(`Inference-Header-Content-Length must be a non-negative integer, got '${value.slice(0, 40)}'`);
  }
  if (length > bodyLength) {
    throw invalidArgument(`Inference-Header-Content-Length (${length}) is larger than the request body (${bodyLength} bytes)`);
  }
  if (length === 0) {
    // Triton's "raw binary request" (the body is one input's bytes, no JSON) is not implemented.
    throw invalidArgument('Inference-Header-Content-Length is 0 (a raw binary request without a JSON header), which this server does not support; send the JSON header first');
  }
  return length;
}

/** Parses the first `length` bytes as JSON, answering 400 for an empty or malformed header. */
export function parseJson(body: Buffer, length: number): unknown {
  if (length === 0) throw invalidArgument('request body is empty; expected a JSON inference request');
  return parseJsonText(body.toString('utf8', 0, length));
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidArgument(`malformed JSON in request body: ${(error as Error).message}`);
  }
}
