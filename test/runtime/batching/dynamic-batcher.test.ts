import { DynamicBatcher } from '../../../runtime/src/batching/dynamic-batcher';
import type { Tensor } from '../../../runtime/src/codec/tensor';

function fp32(name: string, shape: number[], values: number[]): Tensor {
  return { name, datatype: 'FP32', shape, data: new Float32Array(values) };
}

/** A batcher whose "model" echoes input 'a' as output 'y' and records the inputs of every run. */
function echoBatcher(maxBatchSize: number) {
  const runs: (readonly Tensor[])[] = [];
  const batcher = new DynamicBatcher<string>({ maxBatchSize, maxLatencyMs: 60_000 }, async (inputs) => {
    runs.push(inputs);
    const a = inputs.find((input) => input.name === 'a')!;
    return [{ ...a, name: 'y' }];
  });
  return { batcher, runs };
}

describe('DynamicBatcher grouping', () => {
  it('requests with the same inputs in another order share a run, and each gets its own rows back', async () => {
    const { batcher, runs } = echoBatcher(2);
    const [first, second] = await Promise.all([
      batcher.submit([fp32('a', [1, 2], [1, 2]), fp32('b', [1, 1], [9])], ['y'], 'first'),
      batcher.submit([fp32('b', [1, 1], [8]), fp32('a', [1, 2], [3, 4])], ['y'], 'second'),
    ]);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.map((input) => [input.name, [...input.shape]])).toEqual([['a', [2, 2]], ['b', [2, 1]]]);
    expect(Array.from(first.outputs[0]!.data as Float32Array)).toEqual([1, 2]);
    expect(Array.from(second.outputs[0]!.data as Float32Array)).toEqual([3, 4]);
    expect([first.batchRows, second.batchRows]).toEqual([2, 2]);
  });

  it('requests whose rows differ in shape, datatype or rank never share a run', async () => {
    const { batcher, runs } = echoBatcher(2);
    const pending = [
      batcher.submit([fp32('a', [1, 2], [1, 2])], ['y'], 'row of 2'),
      batcher.submit([fp32('a', [1, 3], [1, 2, 3])], ['y'], 'row of 3'),
      batcher.submit([fp32('a', [1, 1, 2], [1, 2])], ['y'], 'rank 3'),
      batcher.submit([{ name: 'a', datatype: 'FP64', shape: [1, 2], data: new Float64Array([1, 2]) }], ['y'], 'FP64'),
    ];
    expect(batcher.pendingRequests).toBe(4);
    expect(runs).toHaveLength(0);
    batcher.flush();
    await Promise.all(pending);
    expect(runs.map((inputs) => [inputs[0]!.datatype, [...inputs[0]!.shape]])).toEqual([
      ['FP32', [1, 2]],
      ['FP32', [1, 3]],
      ['FP32', [1, 1, 2]],
      ['FP64', [1, 2]],
    ]);
  });

  it('tells each request when its batch started: the same time for a shared run, its own queueing time for one run alone', async () => {
    const { batcher } = echoBatcher(2);
    const queued = process.hrtime.bigint();
    const [first, second] = await Promise.all([
      batcher.submit([fp32('a', [1, 1], [1])], ['y'], 'first', queued),
      batcher.submit([fp32('a', [1, 1], [2])], ['y'], 'second', queued + 1n),
    ]);
    expect(first.batchStarted).toBe(second.batchStarted);
    expect(first.batchStarted).toBeGreaterThanOrEqual(queued + 1n);
    const alone = await batcher.submit([fp32('a', [2, 1], [1, 2])], ['y'], 'big', 42n);
    expect(alone.batchStarted).toBe(42n);
    expect(alone.batchRows).toBe(2);
  });
});
