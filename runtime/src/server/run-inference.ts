import { DynamicBatcher } from '../batching/dynamic-batcher';
import type { BatchingOptions } from '../batching/batching-options';
import { rowsOf } from '../batching/batch-tensors';
import type { InferRequest } from '../codec/inference';
import type { Tensor } from '../codec/tensor';
import type { Model } from '../models/model';
import type { RequestTrace } from '../tracing/request-trace';
import type { InferenceObserver } from './inference-observer';
import type { ReadyModel } from './model-lookup';

/** Options of {@link InferencePipeline}. */
export interface InferencePipelineOptions {
  /** @default - no batching: every request is its own model run */
  readonly batching?: BatchingOptions;
  /** Metrics and tracing; empty when both are off. */
  readonly observers?: readonly InferenceObserver[];
}

/**
 * The protocol-independent middle of every inference: decode → (batch) → model.infer → encode,
 * timed into the model's statistics and reported to the observers. REST (JSON or binary), gRPC
 * and v1 differ only in their decode and encode functions, so they share one path, one batcher
 * per model (callers of every protocol share a batch) and one set of numbers.
 */
export class InferencePipeline {
  readonly #batching: BatchingOptions | undefined;
  readonly #observers: readonly InferenceObserver[];
  /** One batcher per loaded model instance; a reload gets a fresh one with the new model. */
  readonly #batchers = new WeakMap<Model, DynamicBatcher<RequestTrace | undefined>>();
  /** Weakly held, so batchers of unloaded models go with them; only shutdown walks this. */
  readonly #allBatchers = new Set<WeakRef<DynamicBatcher<RequestTrace | undefined>>>();

  constructor(options: InferencePipelineOptions = {}) {
    this.#batching = options.batching;
    this.#observers = options.observers ?? [];
  }

  async run<Encoded>(
    ready: ReadyModel,
    decode: (model: Model) => InferRequest,
    encode: (request: InferRequest, outputs: Tensor[]) => Encoded,
    trace?: RequestTrace,
  ): Promise<Encoded> {
    const { model, statistics } = ready;
    const started = process.hrtime.bigint();
    try {
      const request = decode(model);
      const inputDecoded = process.hrtime.bigint();
      let outputs: Tensor[];
      let runStarted = inputDecoded;
      let batchRows: number;
      const batcher = this.#batcherFor(ready);
      if (batcher === undefined) {
        outputs = await this.#execute(model, statistics, request.inputs, request.outputNames, [trace]);
        batchRows = requestRows(model, request);
      } else {
        const result = await batcher.submit(request.inputs, request.outputNames, trace, inputDecoded);
        outputs = result.outputs;
        runStarted = result.batchStarted;
        batchRows = result.batchRows;
      }
      const inferred = process.hrtime.bigint();
      const encoded = encode(request, outputs);
      const timings = { started, inputDecoded, runStarted, inferred, outputEncoded: process.hrtime.bigint() };
      statistics.recordSuccess(requestRows(model, request), timings);
      // A batched request's run is recorded by the batcher, once for all the requests it served.
      if (batcher === undefined) statistics.recordBatchRun(batchRows, { started, runStarted, inferred, finished: timings.outputEncoded });
      for (const observer of this.#observers) observer.requestSucceeded(model, trace, timings);
      return encoded;
    } catch (error) {
      const failed = process.hrtime.bigint();
      statistics.recordFailure(started, failed);
      for (const observer of this.#observers) observer.requestFailed(model, trace, started, failed, error);
      throw error;
    }
  }

  /** Runs every request still waiting for a batch (shutdown). */
  flushBatches(): void {
    for (const reference of this.#allBatchers) {
      const batcher = reference.deref();
      if (batcher === undefined) this.#allBatchers.delete(reference);
      else batcher.flush();
    }
  }

  #batcherFor({ model, statistics }: ReadyModel): DynamicBatcher<RequestTrace | undefined> | undefined {
    if (this.#batching === undefined) return undefined;
    let batcher = this.#batchers.get(model);
    if (batcher === undefined) {
      batcher = new DynamicBatcher<RequestTrace | undefined>(
        this.#batching,
        (inputs, outputNames, served) => this.#execute(model, statistics, inputs, outputNames, served),
        (rows, timings) => statistics.recordBatchRun(rows, timings),
      );
      this.#batchers.set(model, batcher);
      this.#allBatchers.add(new WeakRef(batcher));
    }
    return batcher;
  }

  /** One model run, reported to the observers with the requests it served. */
  async #execute(
    model: Model,
    statistics: ReadyModel['statistics'],
    inputs: readonly Tensor[],
    outputNames: readonly string[],
    served: readonly (RequestTrace | undefined)[],
  ): Promise<Tensor[]> {
    const started = process.hrtime.bigint();
    let error: unknown;
    try {
      return await model.infer(inputs, outputNames);
    } catch (caught) {
      error = caught;
      throw caught;
    } finally {
      statistics.recordExecution();
      if (this.#observers.length > 0) {
        const ended = process.hrtime.bigint();
        const rows = inputs.length > 0 && inputs[0]!.shape.length > 0 ? rowsOf(inputs[0]!) : 1;
        for (const observer of this.#observers) observer.executionFinished(model, served, rows, started, ended, error);
      }
    }
  }
}

/** Items in the request: the first dimension when the model's first input has a variable batch axis. */
function requestRows(model: Model, request: InferRequest): number {
  const first = request.inputs[0];
  const declared = model.inputs.find((input) => input.name === first?.name);
  return declared?.shape[0] === -1 && first !== undefined && first.shape.length > 0 ? (first.shape[0] ?? 1) : 1;
}
