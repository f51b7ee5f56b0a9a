import type { Tensor } from './tensor';

/** A decoded inference request, independent of the wire format it arrived in. */
export interface InferRequest {
  /** Client-chosen request id; echoed back in the response. */
  readonly id?: string;
  /** Input tensors in request order, each validated against the model's signature. */
  readonly inputs: readonly Tensor[];
  /** Outputs to compute and return, in the order the client asked for them (all outputs by default). */
  readonly outputNames: readonly string[];
  /**
   * Outputs to return in the binary tensor data extension rather than as JSON `data` (HTTP only;
   * gRPC always answers with raw contents). Empty when every output is JSON.
   */
  readonly binaryOutputNames: ReadonlySet<string>;
}

/** An inference result ready to be encoded for the wire. */
export interface InferResponse {
  readonly modelName: string;
  /** Omitted from the response when the model has no version (the spec says so). */
  readonly modelVersion?: string;
  readonly id?: string;
  readonly outputs: readonly Tensor[];
}
