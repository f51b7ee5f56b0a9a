import type { Tensor } from '../codec/tensor';
import { ErrorKind, InferenceServerError } from '../errors';
import { concatRows, rowsOf, sliceRows } from './batch-tensors';
import type { RunTimings } from '../models/model-statistics';
import type { BatchingOptions } from './batching-options';

/** Runs the model once for a (merged) set of inputs; `served` are the contexts of the requests in it. */
export type BatchRun<Context> = (inputs: readonly Tensor[], outputNames: readonly string[], served: readonly Context[]) => Promise<Tensor[]>;

/** Told of every successful model run the batcher made: its rows and where its time went. */
export type RunRecorder = (rows: number, timings: RunTimings) => void;

/** What one request gets back from the batcher. */
export interface BatchedResult {
  /** The request's rows of each output it asked for, in its order. */
  readonly outputs: Tensor[];
  /**
   * When the batch that served it started (process.hrtime.bigint()); minus the request's enqueue
   * time, that is how long it waited.
   */
  readonly batchStarted: bigint;
  /** Rows in the model run that served it (its own included). */
  readonly batchRows: number;
}

interface Pending<Context> {
  readonly inputs: readonly Tensor[];
  readonly outputNames: readonly string[];
  readonly rows: number;
  readonly context: Context;
  readonly enqueued: bigint;
  readonly resolve: (result: BatchedResult) => void;
  readonly reject: (error: unknown) => void;
}

/** Requests that can share a model run: same inputs, datatypes and row shapes. */
interface Group<Context> {
  readonly key: string;
  readonly members: Pending<Context>[];
  rows: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The dynamic batcher of one model. Requests are grouped by what can be concatenated (the same
 * inputs with the same datatypes and the same shape after the first dimension); a group runs when
 * it reaches `maxBatchSize` rows, when the requests that arrived together form a preferred size,
 * or `maxLatencyMs` after its oldest request arrived. A request that is itself a batch counts its
 * rows; one larger than `maxBatchSize` runs on its own (never split, as KServe's batcher).
 *
 * If a merged run fails, each request of the batch is run again on its own, so a request that
 * makes the model fail (an out-of-range index, say) fails alone and the others get their rows.
 */
export class DynamicBatcher<Context> {
  readonly #groups = new Map<string, Group<Context>>();
  readonly #preferred: readonly number[];
  #checkScheduled = false;

  constructor(
    private readonly options: BatchingOptions,
    private readonly run: BatchRun<Context>,
    private readonly recordRun: RunRecorder = () => {},
  ) {
    this.#preferred = [...(options.preferredBatchSizes ?? [])].sort((a, b) => b - a);
  }

  /** Requests waiting for their batch to start. */
  get pendingRequests(): number {
    let count = 0;
    for (const group of this.#groups.values()) count += group.members.length;
    return count;
  }

  /**
   * Queues a request for the next batch its inputs fit.
   *
   * @param enqueued when the request was queued (process.hrtime.bigint()); callers that have just
   * read the clock pass that reading, as every request pays for every read.
   */
  submit(inputs: readonly Tensor[], outputNames: readonly string[], context: Context, enqueued: bigint = process.hrtime.bigint()): Promise<BatchedResult> {
    const rows = commonRows(inputs);
    if (rows === undefined || rows >= this.options.maxBatchSize) {
      // Inputs that disagree on their row count cannot be split back; big requests are batches already.
      return this.#runAlone(inputs, outputNames, context, rows ?? 1).then((outputs) => ({
        outputs,
        batchStarted: enqueued,
        batchRows: rows ?? 1,
      }));
    }
    return new Promise<BatchedResult>((resolve, reject) => {
      const key = groupKey(inputs);
      let group = this.#groups.get(key);
      if (group !== undefined && group.rows + rows > this.options.maxBatchSize) {
        this.#dispatch(group, group.members.length);
        group = undefined;
      }
      if (group === undefined) {
        group = { key, members: [], rows: 0, timer: undefined };
        this.#groups.set(key, group);
      }
      group.members.push({ inputs, outputNames, rows, context, enqueued, resolve, reject });
      group.rows += rows;
      if (group.rows >= this.options.maxBatchSize) {
        this.#dispatch(group, group.members.length);
        return;
      }
      if (group.timer === undefined) this.#arm(group, this.options.maxLatencyMs);
      if (this.#preferred.length > 0 && !this.#checkScheduled) {
        // Requests that arrive in the same I/O turn are all queued by the time this runs, so a
        // preferred size is formed from everything that is there, not from the first arrivals.
        this.#checkScheduled = true;
        setImmediate(() => this.#dispatchPreferred());
      }
    });
  }

  /** Runs every waiting request now (shutdown: no request waits for a timer that may outlive the server). */
  flush(): void {
    for (const group of [...this.#groups.values()]) this.#dispatch(group, group.members.length);
  }

  #arm(group: Group<Context>, delayMs: number): void {
    group.timer = setTimeout(() => {
      group.timer = undefined;
      this.#dispatch(group, group.members.length);
    }, delayMs);
  }

  #dispatchPreferred(): void {
    this.#checkScheduled = false;
    for (const group of [...this.#groups.values()]) {
      for (const size of this.#preferred) {
        const count = prefixWithRows(group.members, size);
        if (count !== undefined) {
          this.#dispatch(group, count);
          break;
        }
      }
    }
  }

  /** Runs the first `count` members of a group; the rest (after a preferred-size cut) keep waiting. */
  #dispatch(group: Group<Context>, count: number): void {
    if (group.timer !== undefined) clearTimeout(group.timer);
    group.timer = undefined;
    const batch = group.members.splice(0, count);
    for (const member of batch) group.rows -= member.rows;
    if (group.members.length === 0) {
      if (this.#groups.get(group.key) === group) this.#groups.delete(group.key);
    } else {
      const waitedMs = Number(process.hrtime.bigint() - group.members[0]!.enqueued) / 1e6;
      this.#arm(group, Math.max(0, this.options.maxLatencyMs - waitedMs));
    }
    if (batch.length > 0) void this.#execute(batch);
  }

  async #execute(batch: Pending<Context>[]): Promise<void> {
    const started = process.hrtime.bigint();
    const outputNames = unionOfOutputs(batch);
    const batchRows = batch.reduce((sum, member) => sum + member.rows, 0);
    let outputs: Tensor[];
    let runStarted = started;
    let inferred = started;
    try {
      const inputs = batch[0]!.inputs.map((input) => concatRows(batch.map((member) => member.inputs.find((candidate) => candidate.name === input.name)!)));
      runStarted = process.hrtime.bigint();
      outputs = await this.run(inputs, outputNames, batch.map((member) => member.context));
      inferred = process.hrtime.bigint();
      for (const output of outputs) {
        if (rowsOf(output) !== batchRows || output.shape.length === 0) {
          throw new InferenceServerError(
            ErrorKind.INTERNAL,
            `output '${output.name}' has ${output.shape[0] ?? 'no'} rows for a batch of ${batchRows}; it cannot be split back into the requests`,
          );
        }
      }
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // One request may have poisoned the run: give every request its own run and its own answer.
      for (const member of batch) {
        await this.#runAlone(member.inputs, member.outputNames, member.context, member.rows).then(
          (own) => member.resolve({ outputs: own, batchStarted: started, batchRows: member.rows }),
          member.reject,
        );
      }
      return;
    }
    let offset = 0;
    for (const member of batch) {
      const own = member.outputNames.map((name) => sliceRows(outputs[outputNames.indexOf(name)]!, offset, member.rows));
      offset += member.rows;
      member.resolve({ outputs: own, batchStarted: started, batchRows });
    }
    this.recordRun(batchRows, { started, runStarted, inferred, finished: process.hrtime.bigint() });
  }

  /** One request's own model run (no merging, no splitting), recorded under its own rows. */
  async #runAlone(inputs: readonly Tensor[], outputNames: readonly string[], context: Context, rows: number): Promise<Tensor[]> {
    const started = process.hrtime.bigint();
    const outputs = await this.run(inputs, outputNames, [context]);
    const inferred = process.hrtime.bigint();
    this.recordRun(rows, { started, runStarted: started, inferred, finished: inferred });
    return outputs;
  }
}

/** The first dimension every input shares, or undefined when they disagree (or one is a scalar). */
function commonRows(inputs: readonly Tensor[]): number | undefined {
  let rows: number | undefined;
  for (const input of inputs) {
    if (input.shape.length === 0) return undefined;
    if (rows === undefined) rows = input.shape[0];
    else if (rows !== input.shape[0]) return undefined;
  }
  return rows;
}

/** Equal for requests whose inputs can be concatenated: same names, datatypes and row shapes, in any order. */
function groupKey(inputs: readonly Tensor[]): string {
  // Every request computes this; one input (the common case) needs no array, sort or join.
  if (inputs.length === 1) return inputKey(inputs[0]!);
  return inputs.map(inputKey).sort().join('\u0001');
}

function inputKey(input: Tensor): string {
  let key = `${input.name}\u0000${input.datatype}`;
  for (let axis = 1; axis < input.shape.length; axis++) key += `\u0000${input.shape[axis]}`;
  return key;
}

/** How many leading members add up to exactly `rows`, if any prefix does. */
function prefixWithRows<Context>(members: readonly Pending<Context>[], rows: number): number | undefined {
  let sum = 0;
  for (let index = 0; index < members.length; index++) {
    sum += members[index]!.rows;
    if (sum === rows) return index + 1;
    if (sum > rows) return undefined;
  }
  return undefined;
}

function unionOfOutputs<Context>(batch: readonly Pending<Context>[]): string[] {
  const names: string[] = [];
  for (const member of batch) for (const name of member.outputNames) if (!names.includes(name)) names.push(name);
  return names;
}
